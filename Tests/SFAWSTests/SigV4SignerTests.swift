import Foundation
import SFAWS
import SFCore
import Testing

struct SigV4SignerTests {
    // MARK: Fixtures

    static func text(_ path: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sigv4/\(path)", withExtension: nil))
        return String(decoding: try Data(contentsOf: url), as: UTF8.self)
    }

    static func json<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(try text(path).utf8))
    }

    static func date(_ iso: String) throws -> Date { try #require(Timestamp.parseISO8601(iso)) }

    static func credentials(_ key: String, _ secret: String, _ token: String?) -> AWSCredentials {
        AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token ?? "", expiration: .distantFuture)
    }

    /// Parses the suites' `.txt`/`.req` form: request line, `Name:value` lines, blank line, body.
    static func parseRequest(_ text: String) throws -> HTTPRequest {
        let (head, body) =
            text.firstRange(of: "\n\n").map { (text[..<$0.lowerBound], text[$0.upperBound...]) } ?? (text[...], "")
        var lines = head.split(separator: "\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        let target = requestLine[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let headers = lines.map { line in
            let colon = line.firstIndex(of: ":")!
            return (name: String(line[..<colon]), value: String(line[line.index(after: colon)...]))
        }
        let host = try #require(headers.first { $0.name.lowercased() == "host" }?.value)
        return HTTPRequest(
            method: String(requestLine[0]),
            endpoint: Endpoint(scheme: .https, host: host, path: String(target[0])),
            query: target.count > 1 ? String(target[1]) : "",
            headers: headers,
            body: Array(body.utf8)
        )
    }

    /// A GetCallerIdentity request from a vector's URL (`Endpoint` keeps no query, so split it off).
    static func request(url: String, headers: [(name: String, value: String)] = []) throws -> HTTPRequest {
        let parts = url.split(separator: "?", maxSplits: 1)
        return HTTPRequest(
            method: "POST",
            endpoint: try Endpoint(parsing: String(parts[0])),
            query: String(parts[1]),
            headers: headers
        )
    }

    static func pairs(_ headers: [(name: String, value: String)]) -> [String] {
        headers.map { "\($0.name):\($0.value)" }
    }

    // MARK: Reference suites

    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }
        var credentials: Credentials
        var region: String
        var service: String
        var timestamp: String
        var omit_session_token: Bool?
    }

    @Test(
        "matches the aws-c-auth suite step by step",
        arguments: [
            "get-vanilla", "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved",
            "get-vanilla-with-session-token",
            "post-vanilla-query", "post-sts-header-before", "post-sts-header-after",
        ]
    )
    func awsCAuthSuite(_ name: String) throws {
        let dir = "aws-c-auth/\(name)/"
        let context = try Self.json(Context.self, dir + "context.json")
        let c = context.credentials
        let signer = SigV4Signer(
            credentials: Self.credentials(c.access_key_id, c.secret_access_key, c.token),
            region: context.region,
            service: context.service
        )
        let date = try Self.date(context.timestamp)
        let signing = signer.signing(
            try Self.parseRequest(Self.text(dir + "request.txt")),
            date: date,
            omitSessionToken: context.omit_session_token ?? false
        )

        let expectedCanonical = try Self.text(dir + "header-canonical-request.txt")
        let expectedStringToSign = try Self.text(dir + "header-string-to-sign.txt")
        let expectedSignature = try Self.text(dir + "header-signature.txt")
        #expect(signing.canonicalRequest == expectedCanonical)
        #expect(signing.stringToSign == expectedStringToSign)
        #expect(signing.signature == expectedSignature)
        // Each step alone, from the suite's own input to it.
        #expect(signer.stringToSign(canonicalRequest: expectedCanonical, date: date) == expectedStringToSign)
        #expect(signer.signature(stringToSign: expectedStringToSign, date: date) == expectedSignature)
        // The headers sent, in aws-c-auth's order.
        let signedRequest = try Self.parseRequest(Self.text(dir + "header-signed-request.txt"))
        #expect(Self.pairs(signing.request.headers) == Self.pairs(signedRequest.headers))
    }

    @Test("matches botocore's form-encoded POST, hashing the body and signing content-type")
    func botocoreFormPost() throws {
        let dir = "botocore/post-x-www-form-urlencoded/post-x-www-form-urlencoded"
        let signer = SigV4Signer(
            credentials: Self.credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nil),
            region: "us-east-1",
            service: "service"
        )
        // The .req already carries X-Amz-Date; the signer replaces it with the same time.
        let signing = signer.signing(
            try Self.parseRequest(Self.text(dir + ".req")),
            date: try Self.date("2015-08-30T12:36:00Z")
        )
        #expect(signing.canonicalRequest == (try Self.text(dir + ".creq")))
        #expect(signing.stringToSign == (try Self.text(dir + ".sts")))
        #expect(signing.authorization == (try Self.text(dir + ".authz")))
        #expect(!signing.request.headers.contains { $0.name.lowercased() == "x-amz-content-sha256" })
        let sent = try Self.parseRequest(Self.text(dir + ".sreq"))
        #expect(
            Self.pairs(signing.request.headers)
                == sent.headers.map { "\($0.name):\($0.value.trimmingCharacters(in: .whitespaces))" }
        )
        #expect(signing.request.body == sent.body)
    }

    // MARK: GetCallerIdentity (the GCP subject token for AWS)

    struct GoogleVectors: Decodable {
        struct Case: Decodable {
            var name, url, region, service, time, access_key_id, secret_access_key, expected_signed_headers,
                expected_authorization: String
            var session_token: String?
        }
        var cases: [Case]
    }

    @Test(
        "matches the google-auth libraries' GetCallerIdentity signatures",
        arguments: [
            "libs-creds-with-session-token", "libs-creds-no-session-token",
            "python-test-creds-with-session-token", "python-test-creds-no-session-token",
        ]
    )
    func googleGetCallerIdentity(_ name: String) throws {
        let vectors = try Self.json(GoogleVectors.self, "google-auth-aws/getcalleridentity-signature-vectors.json")
        let v = try #require(vectors.cases.first { $0.name == name })
        let signer = SigV4Signer(
            credentials: Self.credentials(v.access_key_id, v.secret_access_key, v.session_token),
            region: v.region,
            service: v.service
        )
        let signing = signer.signing(try Self.request(url: v.url), date: try Self.date(v.time))
        #expect(signing.signedHeaders == v.expected_signed_headers)
        #expect(signing.authorization == v.expected_authorization)
        #expect(signing.request.headers.first { $0.name == "Host" }?.value == "sts.us-east-2.amazonaws.com")
    }

    struct BotocoreTargetResource: Decodable {
        struct Inputs: Decodable {
            var url, region, service, time, access_key_id, secret_access_key, session_token: String
            var extra_signed_header: [String: String]
        }
        struct Variant: Decodable { var canonical_request, string_to_sign, authorization: String }
        var inputs: Inputs
        var signed_target_resource_with_token, signed_target_resource_no_token, no_target_resource_with_token: Variant
    }

    @Test(
        "matches botocore when x-goog-cloud-target-resource is signed (Go/Java style)",
        arguments: [
            "signed_target_resource_with_token", "signed_target_resource_no_token", "no_target_resource_with_token",
        ]
    )
    func signedTargetResource(_ variant: String) throws {
        let vector = try Self.json(
            BotocoreTargetResource.self,
            "google-auth-aws/getcalleridentity-signed-target-resource.botocore-1.43.11.json"
        )
        let i = vector.inputs
        let expected =
            switch variant {
            case "signed_target_resource_with_token": vector.signed_target_resource_with_token
            case "signed_target_resource_no_token": vector.signed_target_resource_no_token
            default: vector.no_target_resource_with_token
            }
        let target = variant.hasPrefix("signed") ? i.extra_signed_header.map { (name: $0.key, value: $0.value) } : []
        let signer = SigV4Signer(
            credentials: Self.credentials(
                i.access_key_id,
                i.secret_access_key,
                variant.hasSuffix("with_token") ? i.session_token : nil
            ),
            region: i.region,
            service: i.service
        )
        let signing = signer.signing(try Self.request(url: i.url, headers: target), date: try Self.date(i.time))
        #expect(signing.canonicalRequest == expected.canonical_request)
        #expect(signing.stringToSign == expected.string_to_sign)
        #expect(signing.authorization == expected.authorization)
    }

    struct SubjectToken: Decodable {
        struct Decoded: Decodable {
            struct Header: Decodable { var key, value: String }
            var headers: [Header]
            var url: String
        }
        var subject_token_decoded: Decoded
    }

    @Test("signing then appending the target resource gives google-auth-python's subject-token headers")
    func pythonSubjectTokenHeaders() throws {
        let token = try Self.json(SubjectToken.self, "google-auth-aws/subject-token.google-auth-python-2.63.0.json")
            .subject_token_decoded
        let v = try #require(
            try Self.json(GoogleVectors.self, "google-auth-aws/getcalleridentity-signature-vectors.json").cases.first
        )
        let signer = SigV4Signer(
            credentials: Self.credentials(v.access_key_id, v.secret_access_key, v.session_token),
            region: v.region,
            service: v.service
        )
        var signed = signer.sign(try Self.request(url: token.url), date: try Self.date(v.time))
        let target = try #require(token.headers.first { $0.key == "x-goog-cloud-target-resource" })
        signed.headers.append((name: target.key, value: target.value))
        let expected = token.headers.map { "\($0.key.lowercased()):\($0.value)" }.sorted()
        #expect(signed.headers.map { "\($0.name.lowercased()):\($0.value)" }.sorted() == expected)
    }

    // MARK: Canonicalization rules beyond the suites

    static let signer = SigV4Signer(
        credentials: credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", nil),
        region: "us-east-1",
        service: "service"
    )
    static let time = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static func canonicalLines(
        path: String = "/",
        query: String = "",
        headers: [(name: String, value: String)] = []
    ) -> [Substring] {
        let request = HTTPRequest(
            method: "GET",
            endpoint: Endpoint(scheme: .https, host: "example.amazonaws.com", path: path),
            query: query,
            headers: headers
        )
        return signer.signing(request, date: time).canonicalRequest.split(
            separator: "\n",
            omittingEmptySubsequences: false
        )
    }

    @Test(
        "normalizes the path and encodes each segment once",
        arguments: [
            ("/", "/"), ("/a/./b/../c//d/", "/a/c/d/"), ("/..", "/"), ("/a/b/..", "/a"),
            ("/%20x/caf\u{e9}", "/%2520x/caf%C3%A9"),
        ]
    )
    func canonicalURI(_ path: String, _ expected: String) {
        #expect(Self.canonicalLines(path: path)[1] == Substring(expected))
    }

    @Test(
        "decodes, re-encodes and sorts query parameters by key then value",
        arguments: [
            ("b=2&a=%7e&a=1&c", "a=1&a=~&b=2&c="), ("x=a+b&y=%2f%20", "x=a%2Bb&y=%2F%20"), ("&&k=v&", "k=v"),
            ("bad=%zz", "bad=%25zz"),
        ]
    )
    func canonicalQuery(_ query: String, _ expected: String) {
        #expect(Self.canonicalLines(query: query)[2] == Substring(expected))
    }

    @Test("lower-cases, trims, collapses and merges headers; Host comes from the authority when absent")
    func canonicalHeaders() {
        let request = HTTPRequest(
            method: "GET",
            endpoint: Endpoint(scheme: .https, host: "localhost", port: 8443),
            headers: [("X-Multi", "  a   b \t c "), ("x-multi", "d")]
        )
        let signing = Self.signer.signing(request, date: Self.time)
        #expect(
            signing.canonicalRequest.contains("\nhost:localhost:8443\nx-amz-date:20150830T123600Z\nx-multi:a b c,d\n\n")
        )
        #expect(signing.signedHeaders == "host;x-amz-date;x-multi")
        #expect(signing.request.headers.first?.name == "Host")
    }

    @Test("sends and signs x-amz-content-sha256 only when asked")
    func signedPayloadHash() {
        let request = HTTPRequest(
            method: "PUT",
            endpoint: Endpoint(scheme: .https, host: "example.amazonaws.com"),
            body: Array("hi".utf8)
        )
        let plain = Self.signer.signing(request, date: Self.time)
        let hashed = Self.signer.signing(request, date: Self.time, signedPayloadHash: true)
        let hash = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
        #expect(plain.signedHeaders == "host;x-amz-date")
        #expect(plain.canonicalRequest.hasSuffix("\n" + hash))
        #expect(hashed.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
        #expect(hashed.request.headers.contains { $0.name == "X-Amz-Content-Sha256" && $0.value == hash })
    }

    @Test("signing a signed request again replaces its signing headers")
    func resigning() {
        let signer = SigV4Signer(
            credentials: Self.credentials("AKID", "secret", "token"),
            region: "us-east-1",
            service: "sts"
        )
        let request = HTTPRequest(method: "POST", endpoint: Endpoint(scheme: .https, host: "sts.amazonaws.com"))
        let once = signer.sign(request, date: Self.time)
        #expect(signer.sign(once, date: Self.time) == once)
        #expect(once.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.count == 1)
    }
}
