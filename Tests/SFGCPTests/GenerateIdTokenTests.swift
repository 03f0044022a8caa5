import Foundation
import SFCore
import SFGCP
import Testing

struct GenerateIdTokenTests {
    static let context = GCPError.Context(
        audience: "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k",
        serviceAccount: "reader@p.iam.gserviceaccount.com",
        endpoint: "https://iam",
        subject: nil,
        issuer: nil,
        tokenAudiences: []
    )

    @Test("generateIdToken: the account's URL, the federated token as bearer, audience and includeEmail in the body")
    func request() {
        let request = GCPSecurityTokenService.generateIdTokenRequest(
            iamEndpoint: Endpoint(scheme: .https, host: "iamcredentials.googleapis.com"),
            serviceAccount: "reader@p.iam.gserviceaccount.com",
            federatedToken: "federated",
            audience: "https://svc.example/\"x\"",
            includeEmail: true
        )
        #expect(
            request.url
                == "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/reader@p.iam.gserviceaccount"
                + ".com:generateIdToken"
        )
        #expect(request.method == "POST")
        #expect(request.headers.map(\.name) == ["Content-Type", "Authorization"])
        #expect(request.headers.map(\.value) == ["application/json", "Bearer federated"])
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"audience":"https://svc.example/\"x\"","includeEmail":true}"#
        )
    }

    @Test("the JWT from a success; IAM errors typed; no token is malformed")
    func parse() throws {
        #expect(
            try GCPSecurityTokenService.parseGenerateIdToken(
                status: 200,
                body: Array(#"{"token":"a.b.c"}"#.utf8),
                context: Self.context
            ) == "a.b.c"
        )
        #expect(
            throws: GCPError.iam(
                Self.context,
                status: 403,
                message: "Permission 'iam.serviceAccounts.getOpenIdToken' denied",
                reason: "PERMISSION_DENIED"
            )
        ) {
            try GCPSecurityTokenService.parseGenerateIdToken(
                status: 403,
                body: Array(
                    (#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getOpenIdToken' "#
                        + #"denied","status":"PERMISSION_DENIED"}}"#)
                        .utf8
                ),
                context: Self.context
            )
        }
        #expect(throws: GCPError.self) {
            try GCPSecurityTokenService.parseGenerateIdToken(
                status: 200,
                body: Array(#"{"token":"not-a-jwt"}"#.utf8),
                context: Self.context
            )
        }
    }
}
