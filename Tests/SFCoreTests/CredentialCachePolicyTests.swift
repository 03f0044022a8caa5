import Foundation
import SFCore
import Testing

struct CredentialCachePolicyTests {
    static let issued = Date(timeIntervalSince1970: 1_000_000)

    @Test(
        "one-hour credentials are reused until 16 minutes remain",
        arguments: [
            (0.0, true), (2639.0, true), (2640.0, false), (2641.0, false), (3600.0, false),
        ]
    )
    func hour(elapsed: Double, reusable: Bool) {
        #expect(
            CredentialCachePolicy.isReusable(
                issuedAt: Self.issued,
                expiration: Self.issued.addingTimeInterval(3600),
                now: Self.issued.addingTimeInterval(elapsed)
            ) == reusable
        )
    }

    @Test("short lifetimes are reused for their first half only")
    func short() {
        let expiration = Self.issued.addingTimeInterval(900)
        #expect(
            CredentialCachePolicy.isReusable(
                issuedAt: Self.issued,
                expiration: expiration,
                now: Self.issued.addingTimeInterval(449)
            )
        )
        #expect(
            !CredentialCachePolicy.isReusable(
                issuedAt: Self.issued,
                expiration: expiration,
                now: Self.issued.addingTimeInterval(451)
            )
        )
    }

    @Test("a clock that jumped back, or nonsense lifetimes, are not trusted")
    func distrust() {
        #expect(
            !CredentialCachePolicy.isReusable(
                issuedAt: Self.issued,
                expiration: Self.issued.addingTimeInterval(3600),
                now: Self.issued.addingTimeInterval(-600)
            )
        )
        #expect(!CredentialCachePolicy.isReusable(issuedAt: Self.issued, expiration: Self.issued, now: Self.issued))
    }

    @Test("credentials are handed out only with more than a minute left")
    func handedOut() {
        let now = Self.issued
        #expect(CredentialCachePolicy.isWorthHandingOut(expiration: now.addingTimeInterval(61), now: now))
        #expect(!CredentialCachePolicy.isWorthHandingOut(expiration: now.addingTimeInterval(60), now: now))
        #expect(!CredentialCachePolicy.isWorthHandingOut(expiration: now.addingTimeInterval(-1), now: now))
    }
}
