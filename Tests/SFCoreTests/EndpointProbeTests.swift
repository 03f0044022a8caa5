import SFCore
import Testing

struct EndpointProbeTests {
    @Test("probe URLs are plain http on a loopback host")
    func accepted() throws {
        #expect(
            try Endpoint.probeURL("http://127.0.0.1:8686/readyz")
                == Endpoint(scheme: .http, host: "127.0.0.1", port: 8686, path: "/readyz")
        )
        #expect(try Endpoint.probeURL("http://localhost:8686/healthz").host == "localhost")
    }

    @Test(
        "anything else is refused with the URL quoted",
        arguments: [
            ("https://127.0.0.1:8686/readyz", ProbeURLError.notLoopbackHTTP(url: "https://127.0.0.1:8686/readyz")),
            ("https://example.com/readyz", .notLoopbackHTTP(url: "https://example.com/readyz")),
            (
                "http://10.0.0.1/readyz",
                .invalid(
                    url: "http://10.0.0.1/readyz",
                    underlying: .plainHTTPNotLoopback("http://10.0.0.1/readyz")
                )
            ),
            ("readyz", .invalid(url: "readyz", underlying: .notAURL("readyz"))),
        ]
    )
    func refused(text: String, error: ProbeURLError) {
        #expect(throws: error) { try Endpoint.probeURL(text) }
    }

    @Test("the messages name the URL and the rule")
    func messages() {
        #expect(
            "\(ProbeURLError.notLoopbackHTTP(url: "https://x/"))" == "https://x/ is not a plain http URL on a "
                + "loopback host (the agent's health server listens on loopback)"
        )
        let invalid = ProbeURLError.invalid(url: "readyz", underlying: .notAURL("readyz"))
        #expect("\(invalid)" == "readyz: \(EndpointError.notAURL("readyz"))")
    }
}
