import Foundation
import SFCore
import Testing

struct TimestampTests {
    @Test(
        "parses the ISO 8601 forms the clouds send",
        arguments: [
            ("2014-10-24T23:00:23Z", 1_414_191_623.0),
            ("2026-11-27T18:38:18.337223Z", 1_795_804_698.337223),
            ("2026-11-27T18:38:18+00:00", 1_795_804_698.0),
            ("2026-11-27T20:38:18+02:00", 1_795_804_698.0),
            ("2024-02-29T00:00:00.5Z", 1_709_164_800.5),
            ("2020-08-11T07:55:22.123456789Z", 1_597_132_522.123456789),
        ]
    )
    func parses(text: String, epoch: Double) throws {
        let date = try #require(Timestamp.parseISO8601(text))
        #expect(abs(date.timeIntervalSince1970 - epoch) < 1e-5)
    }

    @Test(
        "rejects anything else",
        arguments: [
            "2014-10-24 23:00", "2014-13-24T23:00:23Z", "2023-02-29T00:00:00Z", "2014-10-24T23:00:23",
            "2014-10-24T23:00:23.Z",
            "2014-10-24T23:00:23Zjunk", "", "1414191623",
        ]
    )
    func rejects(text: String) {
        #expect(Timestamp.parseISO8601(text) == nil)
    }

    @Test("formats for credential_process, logs and SigV4")
    func formats() {
        let date = Date(timeIntervalSince1970: 1_440_938_160.25)  // 2015-08-30T12:36:00.25Z
        #expect(Timestamp.formatISO8601(date) == "2015-08-30T12:36:00Z")
        #expect(Timestamp.formatISO8601Milliseconds(date) == "2015-08-30T12:36:00.250Z")
        #expect(Timestamp.formatAMZDate(date) == "20150830T123600Z")
    }

    @Test("parses HTTP Date headers")
    func httpDate() {
        #expect(Timestamp.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT")?.timeIntervalSince1970 == 784_111_777)
        #expect(Timestamp.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
    }

    /// Seen while writing FuzzCredentialDocuments: the year went unbounded into `daysFromCivil`, an overflow
    /// (a crash) on any peer's `Date` header with a 12-digit year.
    @Test(
        "refuses HTTP dates whose year is not four digits",
        arguments: [
            "Sun, 06 Nov 999999999999 08:49:37 GMT", "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
            "Sun, 06 Nov +994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
        ]
    )
    func httpDateYear(_ text: String) {
        #expect(Timestamp.parseHTTPDate(text) == nil)
    }
}
