import Foundation
import SFCore
import SFGCP
import Synchronization
import Testing

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
}

struct GCPMetadataIdentitySourceTests {
    static let jwt: String = {
        func seg(_ s: String) -> String {
            Data(s.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(
                of: "+",
                with: "-"
            ).replacingOccurrences(of: "/", with: "_")
        }
        return seg(#"{"alg":"RS256","kid":"g"}"#) + "."
            + seg(
                #"{"iss":"https://accounts.google.com","sub":"117","aud":"sts.amazonaws.com","exp":4000000000,"iat":"#
                    + #"3999996400}"#
            ) + ".c2ln"
    }()

    func source(_ transport: ScriptedTransport, wait: Int = 30) -> GCPMetadataIdentitySource {
        GCPMetadataIdentitySource(
            configuration: GCPMetadataSourceConfiguration(
                audience: "sts.amazonaws.com",
                serviceAccount: "default",
                startupWaitSeconds: wait
            ),
            endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 8080),
            transport: transport,
            requestTimeout: .seconds(2),
            now: { Date(timeIntervalSince1970: 3_999_996_500) }
        )
    }

    @Test("asks for a full-format ID token with the Metadata-Flavor header")
    func request() {
        let request = GCPMetadataIdentitySource.request(
            endpoint: GCPMetadataSourceConfiguration.defaultEndpoint,
            serviceAccount: "sa@p.iam.gserviceaccount.com",
            audience: "https://x/y?z"
        )
        #expect(
            request.url
                == "http://169.254.169.254/computeMetadata/v1/instance/service-accounts/sa%40p.iam.gserviceaccount.c"
                + "om/identity?audience=https%3A%2F%2Fx%2Fy%3Fz&format=full"
        )
        #expect(request.headers.map(\.name) == ["Metadata-Flavor"] && request.headers[0].value == "Google")
    }

    @Test("decodes the returned token")
    func success() async throws {
        let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 200, body: Array(Self.jwt.utf8)))])
        let token = try await source(transport).fetchToken()
        #expect(token.claims.issuer == "https://accounts.google.com" && token.claims.audiences == ["sts.amazonaws.com"])
    }

    @Test(
        "a metadata server that is not ready yet is one request, a failure the agent asks again for",
        arguments: [
            (
                Result<HTTPResponse, HTTPTransportError>.failure(.connectFailed(url: "u", reason: "refused")),
                "cannot connect to u: refused"
            ),
            (.success(HTTPResponse(status: 503)), "HTTP 503"),
            (.success(HTTPResponse(status: 429)), "HTTP 429"),
            (.failure(.timedOut(url: "u", after: .seconds(2))), "no complete response from u within 2 s"),
        ]
    )
    func notReady(answer: Result<HTTPResponse, HTTPTransportError>, last: String) async {
        let ready = HTTPResponse(status: 200, body: Array(Self.jwt.utf8))
        let transport = ScriptedTransport(script: [answer, .success(ready)])
        let source = source(transport, wait: 5)
        #expect(source.startupWait == .seconds(5))
        do {
            _ = try await source.fetchToken()
            Issue.record("succeeded")
        } catch let error as GCPMetadataError {
            #expect(error.mayPassOnceReady && error.kind == .source)
            guard case .notReady(_, _, let underlying) = error else {
                Issue.record("\(error)")
                return
            }
            #expect("\(underlying)".contains(last))
            #expect(error.description.contains("(last: \(underlying))"))
        } catch { Issue.record("wrong error \(error)") }
        #expect(transport.requests.items.withLock { $0.count } == 1)
    }

    @Test("a not-ready failure says how long it is waited for, and keeps the transport error")
    func givesUp() async {
        let refused = HTTPTransportError.connectFailed(url: "u", reason: "Connection refused")
        let transport = ScriptedTransport(script: [.failure(refused)])
        do {
            _ = try await source(transport, wait: 5).fetchToken()
            Issue.record("succeeded")
        } catch let error as GCPMetadataError {
            #expect(
                error.description.hasPrefix(
                    "the GCE metadata server at 127.0.0.1:8080 did not answer within 5 s (last: cannot connect to u:"
                        + " Connection refused)."
                )
            )
            #expect(error.kind == .source)
            #expect(error == .notReady(endpoint: "127.0.0.1:8080", waited: .seconds(5), underlying: refused))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test("a not-ready failure asked once (no start-up wait, as the doctor asks) says so, not a wait of 0 s")
    func askedOnce() async {
        let refused = HTTPTransportError.connectFailed(url: "u", reason: "Connection refused")
        do {
            _ = try await source(ScriptedTransport(script: [.failure(refused)]), wait: 0).fetchToken()
            Issue.record("succeeded")
        } catch let error as GCPMetadataError {
            #expect(
                error.description.hasPrefix(
                    "the GCE metadata server at 127.0.0.1:8080 is not ready "
                        + "(one request, last: cannot connect to u: Connection refused). Is this a GCE VM"
                )
            )
            #expect(!error.description.contains("within"))
        } catch { Issue.record("wrong error \(error)") }
    }

    @Test("a 404 is not retried and names the missing binding")
    func notFound() async {
        let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 404, body: Array("Not Found".utf8)))])
        do {
            _ = try await source(transport).fetchToken()
            Issue.record("succeeded")
        } catch {
            #expect("\(error)".contains("(HTTP 404): Not Found. The service account default is not attached"))
            #expect((error as? GCPMetadataError)?.mayPassOnceReady == false)
        }
        #expect(transport.requests.items.withLock { $0.count } == 1)
    }

    @Test("the endpoint comes from the config, then GCE_METADATA_HOST, then the default")
    func endpointResolution() throws {
        let configured = Endpoint(scheme: .http, host: "127.0.0.1", port: 1)
        #expect(
            try GCPMetadataSourceConfiguration.resolveEndpoint(
                configured: configured,
                environment: ["GCE_METADATA_HOST": "x"]
            ) == configured
        )
        #expect(
            try GCPMetadataSourceConfiguration.resolveEndpoint(
                configured: nil,
                environment: ["GCE_METADATA_HOST": "127.0.0.1:8989"]
            ).url == "http://127.0.0.1:8989/"
        )
        #expect(
            try GCPMetadataSourceConfiguration.resolveEndpoint(
                configured: nil,
                environment: ["GCE_METADATA_HOST": "metadata.google.internal"]
            ).url == "http://metadata.google.internal/"
        )
        #expect(
            try GCPMetadataSourceConfiguration.resolveEndpoint(configured: nil, environment: [:]).url
                == "http://169.254.169.254/"
        )
        #expect(throws: EndpointError.self) {
            try GCPMetadataSourceConfiguration.resolveEndpoint(
                configured: nil,
                environment: ["GCE_METADATA_HOST": "10.0.0.5"]
            )
        }
    }
}
