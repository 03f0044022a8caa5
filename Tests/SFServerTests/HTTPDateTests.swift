import FoundationEssentials
import SFServer
import Testing

struct HTTPDateTests {
    @Test("formats RFC 9110 dates")
    func format() {
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 784_111_777)) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(Date(timeIntervalSince1970: 1_795_804_698)) == "Fri, 27 Nov 2026 18:38:18 GMT")
    }
}
