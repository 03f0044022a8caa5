import Foundation
import SFCore
import Testing

struct ClockSkewTests {
    @Test("skew is server time minus the request midpoint; under a second is noise")
    func estimate() {
        let start = Date(timeIntervalSince1970: 784_111_700)
        #expect(
            ClockSkew.estimate(
                dateHeader: "Sun, 06 Nov 1994 08:49:37 GMT",
                requestStart: start,
                requestEnd: start.addingTimeInterval(2)
            ) == 76
        )
        #expect(
            ClockSkew.estimate(
                dateHeader: "Sun, 06 Nov 1994 08:48:20 GMT",
                requestStart: start,
                requestEnd: start.addingTimeInterval(1)
            ) == 0
        )
        #expect(
            ClockSkew.estimate(dateHeader: "Sun, 06 Nov 1994 08:47:00 GMT", requestStart: start, requestEnd: start)
                == -80
        )
        #expect(ClockSkew.estimate(dateHeader: nil, requestStart: start, requestEnd: start) == nil)
        #expect(ClockSkew.estimate(dateHeader: "yesterday", requestStart: start, requestEnd: start) == nil)
    }
}

struct ListenAddressTests {
    @Test(
        "parses host:port forms",
        arguments: [
            ("127.0.0.1:8686", "127.0.0.1", 8686, true),
            ("[::1]:9911", "::1", 9911, true),
            ("localhost:8989", "localhost", 8989, true),
            ("0.0.0.0:8443", "0.0.0.0", 8443, false),
        ]
    )
    func parses(text: String, host: String, port: Int, loopback: Bool) throws {
        let address = try #require(ListenAddress(text))
        #expect(address.host == host && address.port == port && address.isLoopback == loopback)
        #expect(address.description == text)
    }

    @Test(
        "rejects malformed addresses",
        arguments: ["8686", ":8686", "127.0.0.1:", "127.0.0.1:70000", "::1:80", "h:p", "a b:1"]
    )
    func rejects(text: String) {
        #expect(ListenAddress(text) == nil)
    }
}
