import Foundation
import SFCore
import Testing

struct IdentityTokenTests {
    static func segment(_ json: String) -> String {
        Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func jwt(_ payload: String, header: String = #"{"alg":"RS256","kid":"k1"}"#) -> String {
        segment(header) + "." + segment(payload) + ".c2lnbmF0dXJl"
    }

    @Test("decodes a projected service-account token's claims")
    func projectedToken() throws {
        let payload =
            #"{"aud":["sts.amazonaws.com"],"exp":1800000000,"iat":1799996400,"nbf":1799996400,"iss":"https://oidc.ek"#
            + #"s.us-east-1.amazonaws.com/id/ABC","sub":"system:serviceaccount:shop:api","kubernetes.io":{"namespace"#
            + #"":"shop","pod":{"name":"api-5d8f","uid":"u"},"serviceaccount":{"name":"api","uid":"v"}}}"#
        let token = try IdentityToken(decoding: Self.jwt(payload) + "\n", origin: "token file /t")
        #expect(
            token.claims
                == JWTClaims(
                    issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC",
                    subject: "system:serviceaccount:shop:api",
                    audiences: ["sts.amazonaws.com"],
                    expiresAt: Date(timeIntervalSince1970: 1_800_000_000),
                    issuedAt: Date(timeIntervalSince1970: 1_799_996_400),
                    notBefore: Date(timeIntervalSince1970: 1_799_996_400),
                    podName: "api-5d8f",
                    namespace: "shop"
                )
        )
        #expect(!token.value.hasSuffix("\n"))
    }

    @Test("aud may be a single string")
    func singleAudience() throws {
        let token = try IdentityToken(decoding: Self.jwt(#"{"aud":"sts.amazonaws.com","sub":"s"}"#), origin: "t")
        #expect(token.claims.audiences == ["sts.amazonaws.com"])
    }

    @Test("the description never contains the token")
    func redacted() throws {
        let text = Self.jwt(#"{"aud":"a","sub":"s","iss":"i"}"#)
        let token = try IdentityToken(decoding: text, origin: "t")
        #expect(!"\(token)".contains(text))
        #expect("\(token)" == "IdentityToken(<redacted>, iss=i sub=s aud=a)")
    }

    @Test(
        "malformed tokens are rejected with the reason",
        arguments: [
            ("only.two", "a JWT has 3 dot-separated parts, this has 2"),
            ("a.b!.c", "a part is not base64url"),
            (
                "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzIn0.",
                "the signature part is empty (unsigned tokens are not accepted by any STS)"
            ),
            (
                "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
                "the payload is not a JSON object of JWT claims (not valid JSON)"
            ),
            ("eyJ4IjoxfQ.eyJzdWIiOiJzIn0.c2ln", "the header is not a JSON object with \"alg\" (missing key \"alg\")"),
            (
                "eyJhbGciOjF9.eyJzdWIiOiJzIn0.c2ln",
                "the header is not a JSON object with \"alg\" (expected a string at \"alg\", found a number)"
            ),
            (
                "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOiJzb29uIn0.c2ln",
                "the payload is not a JSON object of JWT claims (claim \"exp\" has the wrong type)"
            ),
        ]
    )
    func malformed(token: String, reason: String) {
        #expect(throws: IdentityTokenError.malformed(origin: "t", reason: reason)) {
            try IdentityToken(decoding: token, origin: "t")
        }
    }

    @Test("an empty file is its own error")
    func empty() {
        #expect(throws: IdentityTokenError.empty(origin: "t")) { try IdentityToken(decoding: " \n", origin: "t") }
    }

    @Test("expired tokens are rejected; not-yet-valid beyond the leeway too")
    func validity() throws {
        let token = try IdentityToken(decoding: Self.jwt(#"{"exp":1000,"nbf":500}"#), origin: "t")
        #expect(
            throws: IdentityTokenError.expired(
                origin: "t",
                expiredAt: Date(timeIntervalSince1970: 1000),
                now: Date(timeIntervalSince1970: 1000)
            )
        ) {
            try token.checkValidity(now: Date(timeIntervalSince1970: 1000), origin: "t")
        }
        #expect(throws: Never.self) { try token.checkValidity(now: Date(timeIntervalSince1970: 450), origin: "t") }
        #expect(
            throws: IdentityTokenError.notYetValid(
                origin: "t",
                notBefore: Date(timeIntervalSince1970: 500),
                now: Date(timeIntervalSince1970: 400)
            )
        ) {
            try token.checkValidity(now: Date(timeIntervalSince1970: 400), origin: "t")
        }
        let message = IdentityTokenError.expired(
            origin: "token file /t",
            expiredAt: Date(timeIntervalSince1970: 1000),
            now: Date(timeIntervalSince1970: 2000)
        ).description
        #expect(
            message.hasPrefix(
                "the identity token from token file /t expired at 1970-01-01T00:16:40Z (now 1970-01-01T00:33:20Z)."
            )
        )
    }
}
