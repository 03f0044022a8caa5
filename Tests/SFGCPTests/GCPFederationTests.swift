import Foundation
import SFCore
import SFGCP
import Testing

struct GCPSecurityTokenServiceTests {
    static let audience =
        "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s"
    static let context = GCPError.Context(
        audience: audience,
        serviceAccount: "sa@proj.iam.gserviceaccount.com",
        endpoint: "https://sts.googleapis.com/v1/token",
        subject: "system:serviceaccount:shop:api",
        issuer: "https://issuer.example",
        tokenAudiences: ["https://x"]
    )

    @Test("the exchange form has exactly google-auth's fields")
    func form() {
        let request = GCPSecurityTokenService.exchangeRequest(
            endpoint: GCPTargetConfiguration.defaultSTSEndpoint,
            audience: Self.audience,
            scopes: ["https://www.googleapis.com/auth/cloud-platform"],
            subjectToken: "h.p.s",
            subjectTokenType: "urn:ietf:params:oauth:token-type:jwt"
        )
        #expect(request.url == "https://sts.googleapis.com/v1/token")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=%2F%2Fiam.googleap"
                + "is.com%2Fprojects%2F123456%2Flocations%2Fglobal%2FworkloadIdentityPools%2Fpool%2Fproviders%2Fk8s&"
                + "scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform&requested_token_type=urn%3Aietf%3A"
                + "params%3Aoauth%3Atoken-type%3Aaccess_token&subject_token=h.p.s&subject_token_type=urn%3Aietf%3Apa"
                + "rams%3Aoauth%3Atoken-type%3Ajwt"
        )
        #expect(!request.headers.contains { $0.name.lowercased() == "authorization" })
    }

    @Test("expiry is counted from before the request")
    func parse() throws {
        let start = Date(timeIntervalSince1970: 1000)
        let body = Array(
            (#"{"access_token":"ya29.x","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_ty"#
                + #"pe":"Bearer","expires_in":3600}"#)
                .utf8
        )
        let result = try GCPSecurityTokenService.parseExchange(
            status: 200,
            body: body,
            requestStart: start,
            context: Self.context
        )
        #expect(result.token == "ya29.x" && result.expiration == Date(timeIntervalSince1970: 4600))
    }

    @Test(
        "OAuth errors carry the code and what to check",
        arguments: [
            (
                400, "invalid_request", "Invalid value for \\\"audience\\\".",
                "Check gcp.audience: it is the full provider name with the project NUMBER", FailureKind.rejected
            ),
            (
                400, "invalid_target", "The target service indicated by the \\\"audience\\\" parameters is invalid.",
                "disabled, deleted or misspelt", .rejected
            ),
            (
                400, "unauthorized_client", "The given credential is rejected by the attribute condition.",
                "attribute condition rejected this identity (sub=system:serviceaccount:shop:api", .rejected
            ),
            (
                400, "invalid_grant", "The audience in ID Token does not match the expected audience.",
                "The token's aud is https://x", .rejected
            ),
            (503, "temporarily_unavailable", "try later", "transient", .unavailable),
        ]
    )
    func errors(status: Int, code: String, description: String, hint: String, kind: FailureKind) {
        let body = Array("{\"error\":\"\(code)\",\"error_description\":\"\(description)\"}".utf8)
        do {
            _ = try GCPSecurityTokenService.parseExchange(
                status: status,
                body: body,
                requestStart: Date(),
                context: Self.context
            )
            Issue.record("parsed an error as success")
        } catch {
            #expect(error.description.contains("(\(code), HTTP \(status))"))
            #expect(error.description.contains(hint))
            #expect(error.kind == kind)
        }
    }

    @Test("generateAccessToken: request body and 403 hint naming the principal")
    func impersonation() throws {
        let config = GCPTargetConfiguration(
            audience: Self.audience,
            serviceAccount: "sa@proj.iam.gserviceaccount.com",
            lifetimeSeconds: 1800
        )
        let request = GCPSecurityTokenService.generateAccessTokenRequest(
            endpoint: config.impersonationEndpoint!,
            federatedToken: "fed",
            scopes: config.scopes,
            lifetimeSeconds: config.lifetimeSeconds
        )
        #expect(
            request.url
                == "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@proj.iam.gserviceaccount."
                + "com:generateAccessToken"
        )
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == #"{"scope":["https://www.googleapis.com/auth/cloud-platform"],"lifetime":"1800s"}"#
        )
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer fed" })
        let ok = try GCPSecurityTokenService.parseGenerateAccessToken(
            status: 200,
            body: Array(#"{"accessToken":"ya29.sa","expireTime":"2020-08-11T07:55:22Z"}"#.utf8),
            context: Self.context
        )
        #expect(ok.token == "ya29.sa" && ok.expiration == Timestamp.parseISO8601("2020-08-11T07:55:22Z"))
        do {
            _ = try GCPSecurityTokenService.parseGenerateAccessToken(
                status: 403,
                body: Array(
                    (#"{"error":{"code":403,"message":"The caller does not have "#
                        + #"permission","status":"PERMISSION_DENIED"}}"#)
                        .utf8
                ),
                context: Self.context
            )
        } catch {
            #expect(
                error.description
                    == "IAM Credentials refused generateAccessToken for sa@proj.iam.gserviceaccount.com "
                    + "(PERMISSION_DENIED, HTTP 403): The caller does not have permission. Grant the federated "
                    + "identity roles/iam.workloadIdentityUser on the service account: gcloud iam service-accounts "
                    + "add-iam-policy-binding sa@proj.iam.gserviceaccount.com --role=roles/iam.workloadIdentityUser "
                    + "--member=principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPool"
                    + "s/pool/subject/system:serviceaccount:shop:api"
            )
        }
    }
}

struct GCPFederationExchangerTests {
    /// Signs nothing: records what it was asked and answers a fixed token.
    struct FakeSigner: AWSSubjectTokenSigner {
        var validity: Duration { .seconds(600) }
        func subjectToken(credentials: AWSCredentials, region: String, targetResource: String, date: Date) -> String {
            "signed(\(credentials.accessKeyID),\(region),\(targetResource),\(Int(date.timeIntervalSince1970)))"
        }
    }

    @Test("an AWS identity is sent as the handed signer's aws4_request token, valid for the signer's validity")
    func awsIdentity() async throws {
        let audience = GCPSecurityTokenServiceTests.audience
        let exchanger = GCPFederationExchanger(
            configuration: GCPTargetConfiguration(audience: audience),
            transport: ScriptedTransport(script: [
                .success(HTTPResponse(status: 200, body: Array(#"{"access_token":"ya29.x","expires_in":3600}"#.utf8)))
            ]),
            requestTimeout: .seconds(1),
            now: { Date(timeIntervalSince1970: 1000) },
            awsSubjectToken: FakeSigner()
        )
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: Date(timeIntervalSince1970: 2e9)
        )
        let subject = exchanger.subjectToken(
            for: .aws(credentials, region: "eu-west-1"),
            audience: audience,
            date: Date(timeIntervalSince1970: 1000)
        )
        #expect(subject.token == "signed(AKIDEXAMPLE,eu-west-1,\(audience),1000)")
        #expect(subject.type == "urn:ietf:params:aws:token-type:aws4_request")
        #expect(subject.expiration == Date(timeIntervalSince1970: 1600))
        guard case .gcp(let token) = try await exchanger.exchange(.aws(credentials, region: "eu-west-1")) else {
            Issue.record("not GCP credentials")
            return
        }
        #expect(token.subjectToken == subject.token && token.subjectTokenExpiration == subject.expiration)
    }
}
