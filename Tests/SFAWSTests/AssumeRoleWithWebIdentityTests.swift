import Foundation
import SFAWS
import SFCore
import Testing

struct AssumeRoleWithWebIdentityTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    static let context = STSError.Context(
        roleArn: "arn:aws:iam::123456789012:role/reader",
        endpoint: "https://sts.us-east-1.amazonaws.com/",
        claims: JWTClaims(
            issuer: "https://oidc.example.com/id/X",
            subject: "system:serviceaccount:shop:api",
            audiences: ["sts.amazonaws.com"]
        )
    )

    static func parse(_ status: Int, _ body: [UInt8]) -> Result<AWSCredentials, STSError> {
        Result { () throws(STSError) in
            try AssumeRoleWithWebIdentity.parse(status: status, body: body, context: context)
        }
    }

    @Test("builds exactly botocore's request body")
    func requestMatchesBotocore() throws {
        struct Vector: Decodable {
            struct Success: Decodable {
                struct Request: Decodable {
                    var url: String
                    var body: String
                }
                var request: Request
            }
            var success: Success
        }
        let vector = try JSONDecoder().decode(Vector.self, from: Data(try Self.fixture("botocore-request.json")))
        let token = IdentityToken(
            value: "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJodHRwczovL2V4YW1wbGUifQ.c2ln",
            claims: JWTClaims()
        )
        let request = AssumeRoleWithWebIdentity.request(
            endpoint: STSEndpoint.resolve(region: "us-east-1", fips: false, override: nil),
            roleArn: "arn:aws:iam::123456789012:role/FederatedWebIdentityRole",
            sessionName: "app1",
            token: token,
            durationSeconds: 3600
        )
        #expect(String(decoding: request.body, as: UTF8.self) == vector.success.request.body)
        #expect(request.url == vector.success.request.url)
        #expect(request.method == "POST")
        #expect(
            request.headers.first { $0.name == "Content-Type" }?.value
                == "application/x-www-form-urlencoded; charset=utf-8"
        )
    }

    @Test("omits DurationSeconds when not configured")
    func noDuration() {
        let request = AssumeRoleWithWebIdentity.request(
            endpoint: STSEndpoint.global,
            roleArn: "r",
            sessionName: "s",
            token: IdentityToken(value: "t.t.t", claims: JWTClaims()),
            durationSeconds: nil
        )
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=r&RoleSessionName=s&WebIdentityToken"
                + "=t.t.t"
        )
    }

    @Test("parses AWS's full response")
    func parsesFull() throws {
        let credentials = try Self.parse(200, try Self.fixture("success.xml")).get()
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyID: "ASgeIAIOSFODNN7EXAMPLE",
                    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                    sessionToken: "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE",
                    expiration: Timestamp.parseISO8601("2014-10-24T23:00:23Z")!,
                    assumedRoleARN: "arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1"
                )
        )
        #expect(credentials.accountID == "123456789012")
    }

    @Test("parses moto's response without the optional fields, with microseconds")
    func parsesMinimal() throws {
        let credentials = try Self.parse(200, try Self.fixture("moto-success.xml")).get()
        #expect(credentials.accessKeyID == "ASIAMOTOEXAMPLEID")
        #expect(abs(credentials.expiration.timeIntervalSince1970 - 1_795_804_698.337223) < 1e-5)
    }

    @Test(
        "maps each AWS error to a typed error with the right retry class",
        arguments: [
            ("access-denied.error.xml", 403, "AccessDenied", false),
            ("invalid-identity-token.error.xml", 400, "InvalidIdentityToken", false),
            ("expired-token-exception.error.xml", 400, "ExpiredTokenException", false),
            ("throttling.error.xml", 400, "Throttling", true),
            ("idp-communication-error.error.xml", 400, "IDPCommunicationError", true),
            ("jwks-unreachable.error.xml", 400, "InvalidIdentityToken", true),
        ]
    )
    func errors(file: String, status: Int, code: String, retryable: Bool) throws {
        guard case .failure(let error) = Self.parse(status, try Self.fixture(file)) else {
            Issue.record("parsed as success")
            return
        }
        #expect(error.code == code)
        #expect(error.isRetryable == retryable)
        #expect(error.kind == (retryable ? .unavailable : .rejected))
        #expect(error.description.contains("[request c6104cbe-af31-11e0-8154-cbc7ccf896c7]"))
    }

    @Test("AccessDenied says which trust-policy conditions the role needs")
    func accessDeniedHint() throws {
        guard case .failure(let error) = Self.parse(403, try Self.fixture("access-denied.error.xml")) else {
            Issue.record("success")
            return
        }
        #expect(
            error.description
                == "AWS STS rejected AssumeRoleWithWebIdentity for arn:aws:iam::123456789012:role/reader "
                + "(AccessDenied, HTTP 403): Not authorized to perform sts:AssumeRoleWithWebIdentity [request "
                + "c6104cbe-af31-11e0-8154-cbc7ccf896c7]. The role's trust policy must allow "
                + "sts:AssumeRoleWithWebIdentity for the Federated principal oidc-provider/oidc.example.com/id/X "
                + "with conditions oidc.example.com/id/X:sub = system:serviceaccount:shop:api and "
                + "oidc.example.com/id/X:aud = sts.amazonaws.com."
        )
    }

    @Test("a bare <Error> root is accepted too")
    func bareError() {
        let body = Array("<Error><Code>AccessDenied</Code><Message>no</Message><RequestId>r1</RequestId></Error>".utf8)
        guard case .failure(let error) = Self.parse(403, body) else {
            Issue.record("success")
            return
        }
        #expect(error == .service(Self.context, status: 403, code: "AccessDenied", message: "no", requestID: "r1"))
    }

    @Test(
        "unusable answers are retryable malformed responses",
        arguments: [
            (200, "garbage<<<", "not XML"),
            (503, "<html><body>Service Unavailable</body></html>", "HTTP 503 without an AWS ErrorResponse"),
            (200, "<GetCallerIdentityResponse/>", "root element is <GetCallerIdentityResponse>"),
            (
                200,
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</Ac"
                    + "cessKeyId></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
                "Credentials/SecretAccessKey is missing or empty"
            ),
            (
                200,
                "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>A</Ac"
                    + "cessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>tomor"
                    + "row</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityRe"
                    + "sponse>",
                "Credentials/Expiration \"tomorrow\" is not an ISO 8601 time"
            ),
        ]
    )
    func malformed(status: Int, body: String, reason: String) {
        guard case .failure(let error) = Self.parse(status, Array(body.utf8)) else {
            Issue.record("success")
            return
        }
        guard case .malformedResponse(_, _, let actual, _) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(actual.contains(reason))
        #expect(error.isRetryable)
    }

    @Test("a body that is not XML keeps the parser's error as the cause and prints it")
    func notXML() {
        guard case .failure(let error) = Self.parse(200, Array("garbage<<<".utf8)) else {
            Issue.record("success")
            return
        }
        guard case .malformedResponse(_, _, let reason, let underlying?) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        let parse = underlying as? XMLParseError
        #expect(reason == "not XML" && parse != nil)
        #expect(error.description.contains("(HTTP 200): not XML: \(underlying). Check that stsEndpoint"))
        #expect(error == .malformedResponse(Self.context, status: 200, reason: "not XML", underlying: parse))
    }

    @Test("5xx with an AWS error body is retryable")
    func serverError() {
        let body = Array(
            "<ErrorResponse><Error><Code>InternalFailure</Code><Message>x</Message></Error></ErrorResponse>".utf8
        )
        guard case .failure(let error) = Self.parse(500, body) else {
            Issue.record("success")
            return
        }
        #expect(error.isRetryable)
    }

    @Test("secrets never appear in error descriptions or credential descriptions")
    func redaction() throws {
        let credentials = try Self.parse(200, try Self.fixture("success.xml")).get()
        #expect("\(credentials)" == "AWSCredentials(ASge…, expires 2014-10-24T23:00:23Z)")
    }
}

struct STSEndpointTests {
    @Test(
        "resolves per region, partition and FIPS",
        arguments: [
            (nil as String?, false, "https://sts.amazonaws.com/"),
            ("us-east-1", false, "https://sts.us-east-1.amazonaws.com/"),
            ("us-west-2", false, "https://sts.us-west-2.amazonaws.com/"),
            ("us-west-2", true, "https://sts-fips.us-west-2.amazonaws.com/"),
            ("ap-east-1", false, "https://sts.ap-east-1.amazonaws.com/"),
            ("cn-north-1", false, "https://sts.cn-north-1.amazonaws.com.cn/"),
            ("us-gov-west-1", false, "https://sts.us-gov-west-1.amazonaws.com/"),
            ("us-gov-west-1", true, "https://sts.us-gov-west-1.amazonaws.com/"),
            ("us-iso-east-1", false, "https://sts.us-iso-east-1.c2s.ic.gov/"),
            ("us-isob-east-1", false, "https://sts.us-isob-east-1.sc2s.sgov.gov/"),
        ]
    )
    func resolves(region: String?, fips: Bool, expected: String) {
        #expect(STSEndpoint.resolve(region: region, fips: fips, override: nil).url == expected)
    }

    @Test("an override wins")
    func override() throws {
        let endpoint = try Endpoint(parsing: "http://127.0.0.1:5000")
        #expect(STSEndpoint.resolve(region: "us-east-1", fips: false, override: endpoint) == endpoint)
    }
}

struct AWSSessionNameTests {
    @Test("configured, then pod name, then time")
    func resolution() {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(AWSSessionName.resolve(configured: "mine", claims: JWTClaims(podName: "p"), now: now) == "mine")
        #expect(
            AWSSessionName.resolve(configured: nil, claims: JWTClaims(podName: "api-7d9f"), now: now)
                == "skyferry-api-7d9f"
        )
        #expect(AWSSessionName.resolve(configured: nil, claims: JWTClaims(), now: now) == "skyferry-1700000000")
        let long = String(repeating: "a", count: 80) + "/x"
        let name = AWSSessionName.resolve(configured: nil, claims: JWTClaims(podName: long), now: now)
        #expect(name.count == 64 && AWSNames.isValidSessionName(name))
        #expect(
            AWSSessionName.resolve(configured: nil, claims: JWTClaims(podName: "a b/c"), now: now) == "skyferry-a-b-c"
        )
    }
}

struct AWSWebIdentityExchangerTests {
    struct RecordingTransport: HTTPTransport {
        let respond: @Sendable (HTTPRequest) -> Result<HTTPResponse, HTTPTransportError>
        func send(_ request: HTTPRequest, timeout: Duration) async throws(HTTPTransportError) -> HTTPResponse {
            try respond(request).get()
        }
    }

    @Test("sends the token to the resolved endpoint and returns credentials")
    func exchange() async throws {
        let body = try AssumeRoleWithWebIdentityTests.fixture("moto-success.xml")
        let transport = RecordingTransport { request in
            #expect(request.endpoint.url == "https://sts.eu-west-1.amazonaws.com/")
            #expect(
                String(decoding: request.body, as: UTF8.self).contains(
                    "RoleSessionName=skyferry-pod-1&WebIdentityToken=h.p.s"
                )
            )
            return .success(HTTPResponse(status: 200, body: body))
        }
        let exchanger = AWSWebIdentityExchanger(
            configuration: AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r", region: "eu-west-1"),
            transport: transport,
            requestTimeout: .seconds(5),
            now: { Date(timeIntervalSince1970: 0) }
        )
        let issued = try await exchanger.exchange(
            .token(IdentityToken(value: "h.p.s", claims: JWTClaims(podName: "pod-1")))
        )
        guard case .aws(let credentials) = issued else {
            Issue.record("not aws")
            return
        }
        #expect(credentials.accessKeyID == "ASIAMOTOEXAMPLEID")
    }

    @Test("transport failures become retryable STS errors")
    func transportFailure() async {
        let transport = RecordingTransport { _ in .failure(.timedOut(url: "u", after: .seconds(1))) }
        let exchanger = AWSWebIdentityExchanger(
            configuration: AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r"),
            transport: transport,
            requestTimeout: .seconds(1),
            now: { Date() }
        )
        do {
            _ = try await exchanger.exchange(.token(IdentityToken(value: "h.p.s", claims: JWTClaims())))
            Issue.record("expected a failure")
        } catch let error as STSError {
            #expect(error.isRetryable)
            #expect(error.description.hasPrefix("AWS STS at https://sts.amazonaws.com/ could not be reached"))
        } catch {
            Issue.record("wrong error \(error)")
        }
    }
}

struct GoogleTrustHintTests {
    @Test("AccessDenied for a Google ID token names accounts.google.com and its condition keys")
    func google() {
        let context = STSError.Context(
            roleArn: "arn:aws:iam::123456789012:role/r",
            endpoint: "https://sts.amazonaws.com/",
            claims: JWTClaims(
                issuer: "https://accounts.google.com",
                subject: "1171",
                audiences: ["sts.amazonaws.com"],
                authorizedParty: "1171"
            )
        )
        let error = STSError.service(
            context,
            status: 403,
            code: "AccessDenied",
            message: "Not authorized",
            requestID: nil
        )
        #expect(
            error.description.hasSuffix(
                "for the Federated principal accounts.google.com with conditions accounts.google.com:sub = 1171, "
                    + "accounts.google.com:oaud = sts.amazonaws.com and accounts.google.com:aud = 1171 (AWS matches "
                    + ":aud against the token's azp)."
            )
        )
    }
}

struct ProxyRedactionTests {
    @Test("proxy passwords never reach a description")
    func redaction() {
        let settings = ProxySettings(
            httpsProxy: "http://user:Pr0xy-Pass@127.0.0.1:9",
            httpProxy: "http://127.0.0.1:9",
            noProxy: "localhost"
        )
        #expect(
            "\(settings)"
                == "ProxySettings(https: http://user:***@127.0.0.1:9, http: http://127.0.0.1:9, noProxy: localhost)"
        )
        #expect(!String(reflecting: settings).contains("Pr0xy-Pass"))
    }
}
