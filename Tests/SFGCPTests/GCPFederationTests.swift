import Foundation
import SFAWS
import SFCore
import SFGCP
import Testing

struct GCPSecurityTokenServiceTests {
    static let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s"
    static let context = GCPError.Context(audience: audience, serviceAccount: "sa@proj.iam.gserviceaccount.com", endpoint: "https://sts.googleapis.com/v1/token",
                                          subject: "system:serviceaccount:shop:api", issuer: "https://issuer.example", tokenAudiences: ["https://x"])

    @Test("the exchange form has exactly google-auth's fields")
    func form() {
        let request = GCPSecurityTokenService.exchangeRequest(
            endpoint: GCPTargetConfiguration.defaultSTSEndpoint, audience: Self.audience,
            scopes: ["https://www.googleapis.com/auth/cloud-platform"], subjectToken: "h.p.s", subjectTokenType: "urn:ietf:params:oauth:token-type:jwt")
        #expect(request.url == "https://sts.googleapis.com/v1/token")
        #expect(String(decoding: request.body, as: UTF8.self) == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=%2F%2Fiam.googleapis.com%2Fprojects%2F123456%2Flocations%2Fglobal%2FworkloadIdentityPools%2Fpool%2Fproviders%2Fk8s&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&subject_token=h.p.s&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt")
        #expect(!request.headers.contains { $0.name.lowercased() == "authorization" })
    }

    @Test("expiry is counted from before the request")
    func parse() throws {
        let start = Date(timeIntervalSince1970: 1000)
        let body = Array(#"{"access_token":"ya29.x","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#.utf8)
        let result = try GCPSecurityTokenService.parseExchange(status: 200, body: body, requestStart: start, context: Self.context)
        #expect(result.token == "ya29.x" && result.expiration == Date(timeIntervalSince1970: 4600))
    }

    @Test("OAuth errors carry the code and what to check", arguments: [
        (400, "invalid_request", "Invalid value for \\\"audience\\\".", "Check gcp.audience: it is the full provider name with the project NUMBER", FailureKind.rejected),
        (400, "invalid_target", "The target service indicated by the \\\"audience\\\" parameters is invalid.", "disabled, deleted or misspelt", .rejected),
        (400, "unauthorized_client", "The given credential is rejected by the attribute condition.", "attribute condition rejected this identity (sub=system:serviceaccount:shop:api", .rejected),
        (400, "invalid_grant", "The audience in ID Token does not match the expected audience.", "The token's aud is https://x", .rejected),
        (503, "temporarily_unavailable", "try later", "transient", .unavailable),
    ])
    func errors(status: Int, code: String, description: String, hint: String, kind: FailureKind) {
        let body = Array("{\"error\":\"\(code)\",\"error_description\":\"\(description)\"}".utf8)
        do {
            _ = try GCPSecurityTokenService.parseExchange(status: status, body: body, requestStart: Date(), context: Self.context)
            Issue.record("parsed an error as success")
        } catch {
            #expect(error.description.contains("(\(code), HTTP \(status))"))
            #expect(error.description.contains(hint))
            #expect(error.kind == kind)
        }
    }

    @Test("generateAccessToken: request body and 403 hint naming the principal")
    func impersonation() throws {
        let config = GCPTargetConfiguration(audience: Self.audience, serviceAccount: "sa@proj.iam.gserviceaccount.com", lifetimeSeconds: 1800)
        let request = GCPSecurityTokenService.generateAccessTokenRequest(endpoint: config.impersonationEndpoint!, federatedToken: "fed",
                                                                         scopes: config.scopes, lifetimeSeconds: config.lifetimeSeconds)
        #expect(request.url == "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@proj.iam.gserviceaccount.com:generateAccessToken")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"scope":["https://www.googleapis.com/auth/cloud-platform"],"lifetime":"1800s"}"#)
        #expect(request.headers.contains { $0.name == "Authorization" && $0.value == "Bearer fed" })
        let ok = try GCPSecurityTokenService.parseGenerateAccessToken(status: 200, body: Array(#"{"accessToken":"ya29.sa","expireTime":"2020-08-11T07:55:22Z"}"#.utf8), context: Self.context)
        #expect(ok.token == "ya29.sa" && ok.expiration == Timestamp.parseISO8601("2020-08-11T07:55:22Z"))
        do {
            _ = try GCPSecurityTokenService.parseGenerateAccessToken(
                status: 403, body: Array(#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#.utf8), context: Self.context)
        } catch {
            #expect(error.description == "IAM Credentials refused generateAccessToken for sa@proj.iam.gserviceaccount.com (PERMISSION_DENIED, HTTP 403): The caller does not have permission. Grant the federated identity roles/iam.workloadIdentityUser on the service account: gcloud iam service-accounts add-iam-policy-binding sa@proj.iam.gserviceaccount.com --role=roles/iam.workloadIdentityUser --member=principal://iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/subject/system:serviceaccount:shop:api")
        }
    }
}

struct AWSSubjectTokenTests {
    struct Token: Decodable, Equatable {
        struct Header: Decodable, Equatable { var key: String; var value: String }
        var headers: [Header]
        var method: String
        var url: String
    }

    @Test("serializes a signed GetCallerIdentity with the target resource signed")
    func shape() throws {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         sessionToken: "FAKESESSIONTOKEN", expiration: Date(timeIntervalSince1970: 2e9))
        let date = Date(timeIntervalSince1970: 1_704_164_645)  // 2024-01-02T03:04:05Z
        let encoded = AWSSubjectToken.build(credentials: credentials, region: "us-east-1",
                                            targetResource: GCPSecurityTokenServiceTests.audience, date: date)
        #expect(!encoded.contains("{") && encoded.hasPrefix("%7B%22headers%22%3A%20%5B"))
        let token = try JSONDecoder().decode(Token.self, from: Data(try #require(PercentEncoding.decode(encoded)).utf8))
        #expect(token.method == "POST")
        #expect(token.url == "https://sts.us-east-1.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15")
        #expect(token.headers.map(\.key) == ["Authorization", "host", "x-amz-date", "x-amz-security-token", "x-goog-cloud-target-resource"])
        #expect(token.headers[1].value == "sts.us-east-1.amazonaws.com" && token.headers[2].value == "20240102T030405Z")
        let authorization = token.headers[0].value
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature="))
        // The signature is SigV4 of exactly this request: recompute it with the signer on the decoded parts.
        let request = HTTPRequest(method: "POST", endpoint: AWSSubjectToken.verificationEndpoint(region: "us-east-1"), query: "Action=GetCallerIdentity&Version=2011-06-15",
                                  headers: [("x-goog-cloud-target-resource", GCPSecurityTokenServiceTests.audience)])
        let expected = SigV4Signer(credentials: credentials, region: "us-east-1", service: "sts").signing(request, date: date).authorization
        #expect(authorization == expected)
    }

    @Test("China regions verify against the .com.cn STS")
    func china() {
        #expect(AWSSubjectToken.verificationEndpoint(region: "cn-north-1").host == "sts.cn-north-1.amazonaws.com.cn")
    }
}

struct AWSCredentialChainTests {
    @Test("environment beats web identity beats container beats IMDS")
    func order() throws {
        var env = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/r",
                   "AWS_WEB_IDENTITY_TOKEN_FILE": "/t", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds"]
        #expect(try AWSCredentialChain.provider(environment: env) == .environment(accessKeyID: "AKID", secretAccessKey: "s", sessionToken: nil))
        env["AWS_ACCESS_KEY_ID"] = nil
        #expect(try AWSCredentialChain.provider(environment: env)?.name == "web identity")
        env["AWS_ROLE_ARN"] = nil
        #expect(try AWSCredentialChain.provider(environment: env) == .container(url: Endpoint(scheme: .http, host: "127.0.0.1", port: 9911, path: "/creds"),
                                                                                authorizationToken: nil, authorizationTokenFile: nil))
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = nil
        #expect(try AWSCredentialChain.provider(environment: env) == .instanceMetadata(endpoint: Endpoint(scheme: .http, host: "169.254.169.254")))
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1338"
        #expect(try AWSCredentialChain.provider(environment: env) == .instanceMetadata(endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 1338)))
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        #expect(try AWSCredentialChain.provider(environment: env) == nil)
    }

    @Test("relative container URIs go to the ECS agent address; remote plain HTTP is refused")
    func container() throws {
        #expect(try AWSCredentialChain.provider(environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"])
            == .container(url: Endpoint(scheme: .http, host: "169.254.170.2", path: "/v2/credentials/x"), authorizationToken: nil, authorizationTokenFile: nil))
        #expect(throws: AWSCredentialChainError.self) {
            try AWSCredentialChain.provider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.0.0.1/creds"])
        }
    }

    static let headerReason = "contains a control character (CR) at byte 3; it is sent as the Authorization header, "
        + "which cannot hold line breaks or control characters (the value is not shown; remove the stray line break)"

    @Test("an AWS_CONTAINER_AUTHORIZATION_TOKEN with CR/LF is refused, naming the variable, not the value")
    func containerTokenInjection() {
        for uri in ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let env = [uri: uri.hasSuffix("FULL_URI") ? "http://127.0.0.1:9911/creds" : "/creds",
                       "AWS_CONTAINER_AUTHORIZATION_TOKEN": "abc\r\nX-Evil: 1"]
            let error = AWSCredentialChainError.invalidEnvironment(variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                                                   reason: Self.headerReason)
            #expect(throws: error) { try AWSCredentialChain.provider(environment: env) }
            #expect(!error.description.contains("X-Evil"))
        }
    }

    @Test("the token file is trimmed of its trailing newline, and refused when a line break is inside")
    func containerTokenFile() async throws {
        let body = #"{"AccessKeyId":"AKID","SecretAccessKey":"s","Token":"t","Expiration":"2030-01-01T00:00:00Z"}"#
        let env = ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9911/creds", "AWS_REGION": "us-east-1",
                   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/token"]
        for (content, refused) in [("abc\n", false), ("abc\r\nX-Evil: 1\n", true)] {
            let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 200, body: Array(body.utf8)))])
            let chain = AWSCredentialChain(
                configuration: AWSSourceConfiguration(), environment: env, transport: transport,
                requestTimeout: .seconds(1), now: { Date(timeIntervalSince1970: 1_700_000_000) }, readFile: { _ in Array(content.utf8) })
            if refused {
                let error = AWSCredentialChainError.invalidFile(variable: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                                                path: "/token", reason: Self.headerReason)
                await #expect(throws: error) {
                    _ = try await chain.fetchIdentity()
                }
                #expect(transport.requests.items.withLock { $0.isEmpty })
            } else {
                _ = try await chain.fetchIdentity()
                let sent = try #require(transport.requests.items.withLock { $0.first })
                #expect(sent.headers.first { $0.name == "Authorization" }?.value == "abc")
                #expect(sent.headerOrigins["authorization"] == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE /token")
            }
        }
    }
}

