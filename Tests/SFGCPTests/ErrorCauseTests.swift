import Foundation
import SFCore
import SFGCP
import Testing

/// Errors keep their cause as a value and print it: what failed, why, what to check, never a secret.
struct GCPDecodingCauseTests {
    static let context = GCPSecurityTokenServiceTests.context
    static let sts = "GCP STS at https://sts.googleapis.com/v1/token gave an unusable answer"
    static let iam = "IAM Credentials at https://sts.googleapis.com/v1/token gave an unusable answer"

    static func message(_ parse: () throws(GCPError) -> Void) -> (text: String, underlying: (any Error)?)? {
        do {
            try parse()
            Issue.record("parsed")
        } catch {
            guard case .malformedResponse(_, _, _, _, let underlying) = error else {
                Issue.record("\(error)")
                return nil
            }
            #expect(error.kind == .unavailable)
            return (error.description, underlying)
        }
        return nil
    }

    @Test("STS token response: a bad-typed access_token is named by its path, its value never shown")
    func stsAccessToken() throws {
        let body = Array(
            #"{"access_token":{"value":"ya29.SECRET-TOKEN"},"expires_in":3600,"token_type":"Bearer"}"#.utf8
        )
        let result = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseExchange(
                    status: 200,
                    body: body,
                    requestStart: Date(),
                    context: Self.context
                )
            }
        )
        #expect(result.underlying is DecodingError)
        #expect(
            result.text == Self.sts + " (HTTP 200): the response is not a token exchange response: "
                + "expected a string at \"access_token\", found an object."
        )
        #expect(!result.text.contains("ya29") && !result.text.contains("SECRET"))
    }

    @Test("STS token response: expires_in of the wrong type")
    func stsExpiresIn() throws {
        let body = Array(#"{"access_token":"ya29.SECRET-TOKEN","expires_in":"3600"}"#.utf8)
        let result = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseExchange(
                    status: 200,
                    body: body,
                    requestStart: Date(),
                    context: Self.context
                )
            }
        )
        #expect(
            result.text == Self.sts + " (HTTP 200): the response is not a token exchange response: "
                + "expected an integer at \"expires_in\", found a string."
        )
        #expect(!result.text.contains("SECRET"))
    }

    @Test(
        "STS error answers that are not OAuth errors say why",
        arguments: [
            ("<html><body>Bad Gateway</body></html>", 502, "HTTP 502 without an OAuth error body: not valid JSON."),
            (
                #"{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}"#, 400,
                "HTTP 400 without an OAuth error body: expected a string at \"error\", found an object."
            ),
            (#"{"message":"x"}"#, 400, "HTTP 400 without an OAuth error body: missing key \"error\"."),
        ]
    )
    func stsErrorBody(body: String, status: Int, expected: String) throws {
        let result = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseExchange(
                    status: status,
                    body: Array(body.utf8),
                    requestStart: Date(),
                    context: Self.context
                )
            }
        )
        #expect(result.text == Self.sts + " (HTTP \(status)): " + expected)
    }

    @Test("STS answers that decode but lack a field keep their messages")
    func stsLacking() throws {
        let result = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseExchange(
                    status: 200,
                    body: Array("{}".utf8),
                    requestStart: Date(),
                    context: Self.context
                )
            }
        )
        #expect(result.text == Self.sts + " (HTTP 200): no access_token in the response.")
        #expect(result.underlying == nil)
    }

    @Test("IAM generateAccessToken and generateIdToken: bad-typed fields and non-API error bodies")
    func iam() throws {
        let access = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseGenerateAccessToken(
                    status: 200,
                    body: Array(#"{"accessToken":["ya29.SECRET"],"expireTime":"2030-01-01T00:00:00Z"}"#.utf8),
                    context: Self.context
                )
            }
        )
        #expect(
            access.text == Self.iam + " (HTTP 200): the response is not a generateAccessToken response: "
                + "expected a string at \"accessToken\", found an array."
        )
        #expect(!access.text.contains("SECRET"))
        let id = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseGenerateIdToken(
                    status: 200,
                    body: Array(#"{"token":12345}"#.utf8),
                    context: Self.context
                )
            }
        )
        #expect(
            id.text == Self.iam + " (HTTP 200): the response is not a generateIdToken response: "
                + "expected a string at \"token\", found a number."
        )
        let refused = try #require(
            Self.message { () throws(GCPError) in
                _ = try GCPSecurityTokenService.parseGenerateIdToken(
                    status: 403,
                    body: Array(#"{"error":"denied"}"#.utf8),
                    context: Self.context
                )
            }
        )
        #expect(
            refused.text == Self.iam + " (HTTP 403): HTTP 403 without a Google API error body: "
                + "expected an object at \"error\", found a string."
        )
    }

    @Test("malformed responses compare their causes")
    func equality() {
        let a = GCPError.malformedResponse(
            Self.context,
            service: "GCP STS",
            status: 200,
            reason: "r",
            underlying: EndpointError.badPort("1")
        )
        #expect(
            a
                == .malformedResponse(
                    Self.context,
                    service: "GCP STS",
                    status: 200,
                    reason: "r",
                    underlying: EndpointError.badPort("1")
                )
        )
        #expect(a != .malformedResponse(Self.context, service: "GCP STS", status: 200, reason: "r"))
    }
}
