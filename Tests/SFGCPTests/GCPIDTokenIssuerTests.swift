import Foundation
import SFCore
import SFGCP
import Synchronization
import Testing

struct GCPIDTokenIssuerTests {
    static let audience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k"
    static let account = "reader@p.iam.gserviceaccount.com"

    /// Answers every request with one scripted result and keeps each request with its timeout.
    final class FakeTransport: HTTPTransport {
        let answer: Result<HTTPResponse, HTTPTransportError>
        let sent = Mutex<[(request: HTTPRequest, timeout: Duration)]>([])

        init(_ answer: Result<HTTPResponse, HTTPTransportError>) { self.answer = answer }

        func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
            sent.withLock { $0.append((request, timeout)) }
            return try answer.get()
        }
    }

    static func issuer(_ transport: FakeTransport, iamEndpoint: Endpoint? = nil) -> GCPIDTokenIssuer {
        let configuration = GCPTargetConfiguration(
            audience: audience,
            serviceAccount: account,
            iamEndpoint: iamEndpoint
        )
        return GCPIDTokenIssuer(
            configuration: configuration,
            serviceAccount: account,
            transport: transport,
            requestTimeout: .seconds(7)
        )
    }

    @Test("one generateIdToken POST with the federated token as bearer; the JWT of the answer")
    func issues() async throws {
        let transport = FakeTransport(.success(HTTPResponse(status: 200, body: Array(#"{"token":"h.p.s"}"#.utf8))))
        let token = try await Self.issuer(transport).idToken(
            audience: "https://svc.example",
            includeEmail: true,
            federatedToken: "federated"
        )
        #expect(token == "h.p.s")
        let sent = transport.sent.withLock { $0 }
        #expect(sent.count == 1)
        let expected = HTTPRequest(
            method: "POST",
            endpoint: try Endpoint(
                parsing: "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
                    + "reader@p.iam.gserviceaccount.com:generateIdToken"
            ),
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer federated")],
            body: Array(#"{"audience":"https://svc.example","includeEmail":true}"#.utf8)
        )
        #expect(sent.first?.request == expected)
        #expect(sent.first?.timeout == .seconds(7))
    }

    @Test("a configured iamEndpoint is where the request goes")
    func configuredEndpoint() async throws {
        let transport = FakeTransport(.success(HTTPResponse(status: 200, body: Array(#"{"token":"h.p.s"}"#.utf8))))
        let issuer = Self.issuer(transport, iamEndpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 9000))
        _ = try await issuer.idToken(audience: "a", includeEmail: false, federatedToken: "f")
        let url = transport.sent.withLock { $0.first?.request.url }
        #expect(
            url == "http://127.0.0.1:9000/v1/projects/-/serviceAccounts/"
                + "reader@p.iam.gserviceaccount.com:generateIdToken"
        )
        let body = transport.sent.withLock { $0.first.map { String(decoding: $0.request.body, as: UTF8.self) } }
        #expect(body == #"{"audience":"a","includeEmail":false}"#)
    }

    @Test("IAM's refusal is a typed .iam error naming the account")
    func refused() async {
        let body =
            #"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getOpenIdToken' denied","#
            + #""status":"PERMISSION_DENIED"}}"#
        let transport = FakeTransport(.success(HTTPResponse(status: 403, body: Array(body.utf8))))
        let context = GCPError.Context(
            audience: Self.audience,
            serviceAccount: Self.account,
            endpoint: "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
                + "reader@p.iam.gserviceaccount.com:generateIdToken",
            subject: nil,
            issuer: nil,
            tokenAudiences: []
        )
        let expected = GCPError.iam(
            context,
            status: 403,
            message: "Permission 'iam.serviceAccounts.getOpenIdToken' denied",
            reason: "PERMISSION_DENIED"
        )
        await #expect(throws: expected) {
            try await Self.issuer(transport).idToken(audience: "a", includeEmail: false, federatedToken: "f")
        }
    }

    @Test("a transport failure keeps its cause and names IAM Credentials")
    func transportFailure() async {
        let failure = HTTPTransportError.connectFailed(url: "https://iamcredentials.googleapis.com", reason: "refused")
        let transport = FakeTransport(.failure(failure))
        do {
            _ = try await Self.issuer(transport).idToken(audience: "a", includeEmail: false, federatedToken: "f")
            Issue.record("a failed transport produced a token")
        } catch {
            guard case .transport(_, let service, let underlying) = error else {
                Issue.record("expected .transport, got \(error)")
                return
            }
            #expect(service == "IAM Credentials")
            #expect(underlying == failure)
        }
    }

    @Test("an answer without a JWT is malformed")
    func malformed() async {
        let transport = FakeTransport(.success(HTTPResponse(status: 200, body: Array(#"{"token":"opaque"}"#.utf8))))
        await #expect(throws: GCPError.self) {
            try await Self.issuer(transport).idToken(audience: "a", includeEmail: false, federatedToken: "f")
        }
    }
}
