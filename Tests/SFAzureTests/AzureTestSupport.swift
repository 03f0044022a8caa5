import Foundation
import SFCore
import Synchronization

/// A transport that answers from a script, in order (the last answer repeats), and records every request.
struct ScriptedTransport: HTTPTransport {
    let script: [Result<HTTPResponse, HTTPTransportError>]
    let requests = RequestLog()
    final class RequestLog: Sendable { let items = Mutex<[HTTPRequest]>([]) }

    func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
        let index = requests.items.withLock {
            $0.append(request)
            return $0.count - 1
        }
        return try script[min(index, script.count - 1)].get()
    }

    var sent: [HTTPRequest] { requests.items.withLock { $0 } }
}

/// A settable clock for `now:` closures.
final class TestClock: Sendable {
    let date: Mutex<Date>
    init(_ date: Date) { self.date = Mutex(date) }
    var now: Date { date.withLock { $0 } }
    func advance(_ seconds: Double) { date.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

enum AzureFixtures {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let client = "11111111-2222-3333-4444-555555555555"
    static let issuer = "https://oidc.example.com/cluster"
    static let subject = "system:serviceaccount:shop:api"

    static func segment(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// A JWT-shaped assertion (unsigned signature bytes: Entra is a fake here).
    static func jwt(
        aud: String = "api://AzureADTokenExchange",
        sub: String = subject,
        iss: String = issuer,
        exp: Int = 4_000_000_000
    ) -> String {
        segment(#"{"alg":"RS256","kid":"k"}"#) + "."
            + segment(#"{"iss":"\#(iss)","sub":"\#(sub)","aud":"\#(aud)","iat":3999996400,"exp":\#(exp)}"#)
            + ".c2ln"
    }

    static func token(_ text: String = jwt()) -> IdentityToken {
        try! IdentityToken(decoding: text, origin: "test")
    }

    static func ok(_ json: String) -> Result<HTTPResponse, HTTPTransportError> {
        .success(HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(json.utf8)))
    }

    static func error(_ status: Int, _ json: String) -> Result<HTTPResponse, HTTPTransportError> {
        .success(HTTPResponse(status: status, body: Array(json.utf8)))
    }

    static func aadsts(
        _ code: Int,
        _ text: String,
        error: String = "invalid_request"
    ) -> Result<HTTPResponse, HTTPTransportError> {
        let description =
            "AADSTS\(code): \(text)\\r\\nTrace ID: t-1\\r\\nCorrelation ID: c-1\\r\\nTimestamp: 2026-12-03"
        return Self.error(
            400,
            #"{"error":"\#(error)","error_description":"\#(description)","error_codes":[\#(code)],"#
                + #""timestamp":"2026-12-03 19:00:00Z","trace_id":"t-1","correlation_id":"c-1","#
                + #""error_uri":"https://login.microsoftonline.com/error?code=\#(code)"}"#
        )
    }
}
