import FoundationEssentials
import SFCore
import Testing

struct CredentialCacheEntryTests {
    static let good =
        #"{"accessKeyID":"ASIAX","secretAccessKey":"s","sessionToken":"t","expiration":2000,"issuedAt":1000}"#

    @Test("a cache file written by the agent reads back as the same entry")
    func roundTrip() throws {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAX",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: Date(timeIntervalSince1970: 2000)
        )
        let entry = CredentialCacheEntry(credentials, issuedAt: Date(timeIntervalSince1970: 1000))
        let bytes = Array(try JSONEncoder().encode(entry))
        #expect(CredentialCacheEntry.decode(bytes) == entry)
        #expect(CredentialCacheEntry.decode(Array(Self.good.utf8)) == entry)
    }

    @Test(
        "a cache file that is not a well-formed entry is a miss",
        arguments: [
            #"{"accessKeyID":"","secretAccessKey":"s","sessionToken":"t","expiration":2000,"issuedAt":1000}"#,
            #"{"accessKeyID":"A\nX-Evil: "#
                + #"1","secretAccessKey":"s","sessionToken":"t","expiration":2000,"issuedAt":1000}"#,
            #"{"accessKeyID":"A","secretAccessKey":"s","sessionToken":"t","expiration":1000,"issuedAt":2000}"#,
            #"{"accessKeyID":"A","secretAccessKey":"s","sessionToken":"t","expiration":1e999,"issuedAt":1000}"#,
            #"{"accessKeyID":"A","secretAccessKey":"s","sessionToken":"t","expiration":2000}"#,
            #"[]"#, "", "not json",
        ]
    )
    func refused(_ text: String) {
        #expect(CredentialCacheEntry.decode(Array(text.utf8)) == nil)
    }

    @Test("a cache file over the size cap is a miss, whatever it holds")
    func oversized() {
        let padded = Self.good.dropLast() + #","pad":""# + String(repeating: "x", count: 70_000) + #""}"#
        #expect(CredentialCacheEntry.decode(Array(padded.utf8)) == nil)
    }
}
