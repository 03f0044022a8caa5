import Foundation
import SFCore
import Testing

struct DecodingFailureTests {
    struct TokenResponse: Decodable {
        var access_token: String?
        var expires_in: Int?
    }

    enum TokenResponseKey: String, CodingKey { case access_token, expires_in }

    struct Required: Decodable { var access_token: String }

    struct Nested: Decodable {
        struct Body: Decodable { var message: String? }
        var error: Body
        var scope: [String]?
    }

    static func failure<T: Decodable>(_ type: T.Type, _ json: String) -> any Error {
        do {
            _ = try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch {
            return error
        }
        Issue.record("\(json) decoded")
        return CancellationError()
    }

    @Test(
        "each kind of decoding failure is named with its path",
        arguments: [
            (#"{"expires_in":3600}"#, "missing key \"access_token\"", true),
            (#"{"access_token":null}"#, "expected a string at \"access_token\", found null", true),
            (#"{"access_token":17}"#, "expected a string at \"access_token\", found a number", false),
            (#"{"expires_in":"3600"}"#, "expected an integer at \"expires_in\", found a string", false),
            (#"{"access_token":true}"#, "expected a string at \"access_token\", found a boolean", false),
            (#"{"access_token":["a"]}"#, "expected a string at \"access_token\", found an array", false),
            (#"{"access_token":{"a":1}}"#, "expected a string at \"access_token\", found an object", false),
            (#"["access_token"]"#, "expected an object at the top level, found an array", false),
            ("<html>502 Bad Gateway</html>", "not valid JSON", false),
            ("", "not valid JSON", false),
        ]
    )
    func kinds(json: String, expected: String, required: Bool) {
        let error = required ? Self.failure(Required.self, json) : Self.failure(TokenResponse.self, json)
        #expect(DecodingFailure.describe(error) == expected)
    }

    @Test("nested keys and array elements are dotted and indexed")
    func paths() {
        #expect(
            DecodingFailure.describe(Self.failure(Nested.self, #"{"error":{"message":5}}"#))
                == "expected a string at \"error.message\", found a number"
        )
        #expect(
            DecodingFailure.describe(Self.failure(Nested.self, #"{"error":{},"scope":["a",1]}"#))
                == "expected a string at \"scope[1]\", found a number"
        )
        #expect(DecodingFailure.describe(Self.failure(Nested.self, #"{"scope":[]}"#)) == "missing key \"error\"")
    }

    @Test("no value from the document appears, though the decoder's own text quotes some")
    func noValues() {
        // swift-foundation's JSONDecoder can put the value in debugDescription (`Parsed JSON number <…> does not fit
        // in Int.`, a dataCorrupted error at the field's path); only the path is shown.
        let quoting = DecodingError.dataCorrupted(
            .init(
                codingPath: [TokenResponseKey.expires_in],
                debugDescription: "Parsed JSON number <1e400> does not fit in Int."
            )
        )
        #expect(DecodingFailure.describe(quoting) == "the value at \"expires_in\" cannot be used (not shown)")
        let mismatch = DecodingError.typeMismatch(
            String.self,
            .init(
                codingPath: [TokenResponseKey.access_token],
                debugDescription: "found <ya29.SECRET> instead."
            )
        )
        #expect(DecodingFailure.describe(mismatch) == "expected a string at \"access_token\"")
        for json in [
            #"{"access_token":12345678901234567890123}"#, #"{"expires_in":3600.5}"#,
            #"{"expires_in":98765432109876543210}"#,
            #"{"expires_in":"ya29.SECRET-VALUE"}"#, #"{"access_token":["ya29.SECRET-VALUE"]}"#,
            #"{"access_token":"ya29.SECRET-VALUE"#,
            #"{"access_token":"ya29.SECRET-VALUE\q"}"#,
        ] {
            let text = DecodingFailure.describe(Self.failure(TokenResponse.self, json))
            #expect(
                !text.contains("SECRET") && !text.contains("1234567") && !text.contains("3600")
                    && !text.contains("98765"),
                "\(text)"
            )
        }
    }

    @Test("another error is described as it describes itself")
    func otherErrors() {
        #expect(
            DecodingFailure.describe(HTTPTransportError.cancelled(url: "https://x"))
                == "the request to https://x was cancelled"
        )
    }

    @Test("causes are the same failure when type and description match")
    func sameCause() {
        #expect(sameFailure(nil, nil))
        #expect(sameFailure(EndpointError.badPort("x"), EndpointError.badPort("x")))
        #expect(!sameFailure(EndpointError.badPort("x"), EndpointError.badPort("y")))
        #expect(!sameFailure(EndpointError.badPort("x"), nil))
        #expect(!sameFailure(CancellationError(), HTTPTransportError.cancelled(url: "x")))
    }
}
