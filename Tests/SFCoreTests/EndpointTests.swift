import SFCore
import Testing

struct EndpointTests {
    @Test("parses HTTPS and loopback HTTP URLs")
    func parses() throws {
        #expect(
            try Endpoint(parsing: "https://sts.us-east-1.amazonaws.com")
                == Endpoint(scheme: .https, host: "sts.us-east-1.amazonaws.com")
        )
        #expect(
            try Endpoint(parsing: "http://127.0.0.1:5010/v1/token")
                == Endpoint(scheme: .http, host: "127.0.0.1", port: 5010, path: "/v1/token")
        )
        #expect(try Endpoint(parsing: "http://[::1]:80/") == Endpoint(scheme: .http, host: "::1", port: 80))
        #expect(try Endpoint(parsing: "http://127.8.9.10").isLoopback)
        #expect(try Endpoint(parsing: "http://[::1]:80/").url == "http://[::1]:80/")
    }

    @Test(
        "rejects what is not a safe endpoint",
        arguments: [
            ("http://10.0.0.1:5000", EndpointError.plainHTTPNotLoopback("http://10.0.0.1:5000")),
            ("http://localhost.example.com", .plainHTTPNotLoopback("http://localhost.example.com")),
            ("http://128.0.0.1", .plainHTTPNotLoopback("http://128.0.0.1")),
            ("ftp://x", .unsupportedScheme("ftp://x")),
            ("sts.amazonaws.com", .notAURL("sts.amazonaws.com")),
            ("https://user:pw@x", .hasUserInfo("https://user:pw@x")),
            ("https://x/?a=b", .hasQueryOrFragment("https://x/?a=b")),
            ("https://x:0", .badPort("https://x:0")),
            ("https://x:99999", .badPort("https://x:99999")),
        ]
    )
    func rejects(text: String, error: EndpointError) {
        #expect(throws: error) { try Endpoint(parsing: text) }
    }

    @Test("appends paths")
    func appending() throws {
        #expect(try Endpoint(parsing: "https://x/v1/").appendingPath("token").path == "/v1/token")
    }
}
