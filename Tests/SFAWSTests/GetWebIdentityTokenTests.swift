import Foundation
import SFAWS
import SFCore
import Synchronization
import Testing

/// `sts:GetWebIdentityToken`: the exact signed request (its signature computed independently with botocore's
/// SigV4Auth for the same inputs), the response, and each error with its fix.
struct GetWebIdentityTokenTests {
    static let date = Date(timeIntervalSince1970: 1_796_324_400)  // 2026-12-03T19:00:00Z
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "session-token",
        expiration: date.addingTimeInterval(3600),
        assumedRoleARN: "arn:aws:sts::123456789012:assumed-role/reader/i-0abc"
    )
    static let jwt: String = {
        func segment(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        }
        return segment(#"{"alg":"RS256"}"#) + "."
            + segment(
                #"{"iss":"https://abc.tokens.sts.global.api.aws","sub":"arn:aws:iam::123456789012:role/reader","#
                    + #""aud":"api://AzureADTokenExchange","exp":1796327940}"#
            ) + ".c2ln"
    }()
    static let success =
        "<GetWebIdentityTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetWebIdentityTokenResult>"
        + "<WebIdentityToken>\(jwt)</WebIdentityToken><Expiration>2026-12-03T19:59:00Z</Expiration>"
        + "</GetWebIdentityTokenResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
        + "</GetWebIdentityTokenResponse>"

    static func issuer(_ transport: ScriptedTransport, environment: [String: String] = [:]) -> AWSOutboundWebIdentity {
        AWSOutboundWebIdentity(
            transport: transport,
            requestTimeout: .seconds(5),
            now: { Self.date },
            environment: environment
        )
    }

    @Test("a SigV4-signed query POST to the regional STS endpoint, with botocore's signature")
    func signedRequest() async throws {
        let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 200, body: Array(Self.success.utf8)))])
        let token = try await Self.issuer(transport)
            .webIdentityToken(
                credentials: Self.credentials,
                region: "eu-west-1",
                audience: "api://AzureADTokenExchange"
            )
        #expect(token.value == Self.jwt)
        #expect(token.claims.subject == "arn:aws:iam::123456789012:role/reader")
        let request = try #require(transport.requests.items.withLock { $0.first })
        #expect(request.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(
            String(decoding: request.body, as: UTF8.self)
                == "Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=api%3A%2F%2FAzureADTokenExchange"
                + "&DurationSeconds=3540&SigningAlgorithm=RS256"
        )
        #expect(
            request.headers.map { "\($0.name): \($0.value)" } == [
                "Host: sts.eu-west-1.amazonaws.com",
                "Content-Type: application/x-www-form-urlencoded; charset=utf-8",
                "X-Amz-Security-Token: session-token",
                "X-Amz-Date: 20261203T190000Z",
                "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261203/eu-west-1/sts/aws4_request, "
                    + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
                    + "Signature=ca6858aac0735016313f356bb60727f67c4c3ad363caa363059065b1aba6dead",
            ]
        )
    }

    @Test("the endpoint: regional by partition; AWS_ENDPOINT_URL_STS overrides it, loopback http only")
    func endpoints() async throws {
        #expect(
            GetWebIdentityToken.regionalEndpoint(region: "cn-north-1").url == "https://sts.cn-north-1.amazonaws.com.cn/"
        )
        #expect(
            try AWSOutboundWebIdentity.endpointOverride(environment: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"])
                == Endpoint(scheme: .http, host: "127.0.0.1", port: 5000)
        )
        #expect(try AWSOutboundWebIdentity.endpointOverride(environment: [:]) == nil)
        #expect(throws: AWSCredentialChainError.self) {
            try AWSOutboundWebIdentity.endpointOverride(environment: ["AWS_ENDPOINT_URL": "http://sts.example.com"])
        }
        let transport = ScriptedTransport(script: [.success(HTTPResponse(status: 200, body: Array(Self.success.utf8)))])
        _ = try await Self.issuer(transport, environment: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5000"])
            .webIdentityToken(credentials: Self.credentials, region: "eu-west-1", audience: "a")
        #expect(transport.requests.items.withLock { $0.first?.url } == "http://127.0.0.1:5000/")
    }

    @Test("the duration: an hour, or what the credentials have left less a minute, at least 60 s")
    func duration() {
        #expect(
            GetWebIdentityToken.duration(credentialsExpiration: Self.date.addingTimeInterval(7200), now: Self.date)
                == 3600
        )
        #expect(
            GetWebIdentityToken.duration(credentialsExpiration: Self.date.addingTimeInterval(1000), now: Self.date)
                == 940
        )
        #expect(
            GetWebIdentityToken.duration(credentialsExpiration: Self.date.addingTimeInterval(30), now: Self.date) == 60
        )
    }

    static func failure(_ code: String, _ message: String, status: Int = 403) async -> STSError? {
        let body =
            "<ErrorResponse><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error>"
            + "<RequestId>r-2</RequestId></ErrorResponse>"
        let transport = ScriptedTransport(script: [.success(HTTPResponse(status: status, body: Array(body.utf8)))])
        do {
            _ = try await Self.issuer(transport)
                .webIdentityToken(credentials: Self.credentials, region: "eu-west-1", audience: "a")
            return nil
        } catch {
            return error as? STSError
        }
    }

    @Test("outbound federation disabled: enable it for the account")
    func disabled() async throws {
        let error = try #require(
            await Self.failure(
                "OutboundWebIdentityFederationDisabledException",
                "Outbound web identity federation is disabled for this account."
            )
        )
        #expect(
            error.description
                == "AWS STS rejected GetWebIdentityToken for arn:aws:sts::123456789012:assumed-role/reader/i-0abc "
                + "(OutboundWebIdentityFederationDisabledException, HTTP 403): Outbound web identity federation is "
                + "disabled for this account. [request r-2]. Enable it once for the account: aws iam "
                + "enable-outbound-web-identity-federation (its IssuerIdentifier is the issuer the Azure federated "
                + "identity credential must name)."
        )
        #expect(error.kind == .rejected)
        #expect(error.cause == "outbound identity federation is not enabled for the AWS account")
    }

    @Test("AccessDenied: the sts:GetWebIdentityToken permission")
    func accessDenied() async throws {
        let error = try #require(
            await Self.failure("AccessDenied", "not authorized to perform sts:GetWebIdentityToken")
        )
        #expect(
            error.remedy
                == "Allow sts:GetWebIdentityToken to arn:aws:sts::123456789012:assumed-role/reader/i-0abc in its IAM "
                + "policy (Action sts:GetWebIdentityToken, Resource *; conditions on sts:IdentityTokenAudience must "
                + "allow the audience Skyferry asks for)."
        )
        #expect(error.cause == "the caller's IAM policy does not allow sts:GetWebIdentityToken for this audience")
        let throttled = try #require(await Self.failure("Throttling", "Rate exceeded", status: 400))
        #expect(throttled.kind == .unavailable)
    }

    @Test("an answer without a token is unusable")
    func malformed() throws {
        let context = STSError.Context.getWebIdentityToken(caller: "c", endpoint: "e")
        #expect(
            throws: STSError.malformedResponse(context, status: 200, reason: "WebIdentityToken is missing or empty")
        ) {
            try GetWebIdentityToken.parse(
                status: 200,
                body: Array(
                    "<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><Expiration>2026-12-03T19:59:00Z"
                        .appending("</Expiration></GetWebIdentityTokenResult></GetWebIdentityTokenResponse>").utf8
                ),
                context: context
            )
        }
    }
}
