import Foundation
import SFCore
import Testing

struct ScheduleTests {
    @Test("backoff doubles from the initial delay up to the cap")
    func backoffCeiling() {
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(60))
        #expect(
            (0...8).map { backoff.ceiling(attempt: $0) }
                == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) }
        )
        #expect(backoff.ceiling(attempt: 10_000) == .seconds(60))
    }

    @Test("jittered backoff stays within [ceiling/2, ceiling]")
    func backoffJitter() {
        var random = SharedRandom.seeded(42)
        let backoff = Backoff(initial: .seconds(1), maximum: .seconds(30))
        for attempt in 0..<12 {
            let ceiling = backoff.ceiling(attempt: attempt)
            for _ in 0..<200 {
                let delay = backoff.delay(attempt: attempt, using: &random)
                #expect(delay >= ceiling / 2 && delay <= ceiling)
            }
        }
    }

    @Test("refreshes at the configured fraction of the lifetime, jittered within bounds")
    func refreshFraction() {
        var random = SharedRandom.seeded(7)
        let schedule = RefreshSchedule(lifetimeFraction: 0.5, jitterFraction: 0.1)
        let issued = Date(timeIntervalSince1970: 0)
        let delays = (0..<500).map { _ in
            schedule.delay(issuedAt: issued, expiration: issued.addingTimeInterval(3600), using: &random)
        }
        #expect(delays.allSatisfy { $0 >= .seconds(1620) && $0 <= .seconds(1980) })
        #expect(Set(delays).count > 400)  // really jittered
    }

    @Test("without jitter the delay is exact")
    func refreshExact() {
        var random = SharedRandom.seeded(1)
        let schedule = RefreshSchedule(lifetimeFraction: 2.0 / 3.0, jitterFraction: 0)
        let issued = Date(timeIntervalSince1970: 100)
        #expect(
            schedule.delay(issuedAt: issued, expiration: issued.addingTimeInterval(900), using: &random)
                == .seconds(600)
        )
    }

    @Test(
        "short and degenerate lifetimes",
        arguments: [
            (20.0, 0.9, 15.0),  // 18 s would leave under the 5 s floor: capped at lifetime − 5 s
            (3.0, 0.5, 0.0),  // shorter than the floor: refresh at once
            (0.0, 0.5, 0.0),  // already expired
            (-10.0, 0.5, 0.0),  // expiry in the past
        ]
    )
    func shortLifetimes(lifetime: Double, fraction: Double, expected: Double) {
        var random = SharedRandom.seeded(3)
        let schedule = RefreshSchedule(lifetimeFraction: fraction, jitterFraction: 0)
        let issued = Date(timeIntervalSince1970: 1000)
        #expect(
            schedule.delay(issuedAt: issued, expiration: issued.addingTimeInterval(lifetime), using: &random)
                == .seconds(expected)
        )
    }

    @Test("warns below common SDK refresh windows")
    func sdkWindow() {
        let issued = Date(timeIntervalSince1970: 0)
        #expect(RefreshSchedule.isShorterThanSDKWindow(issuedAt: issued, expiration: issued.addingTimeInterval(899)))
        #expect(!RefreshSchedule.isShorterThanSDKWindow(issuedAt: issued, expiration: issued.addingTimeInterval(900)))
    }

    @Test("seeded randomness is reproducible")
    func seeded() {
        var a = SharedRandom.seeded(9)
        var b = SharedRandom.seeded(9)
        #expect((0..<5).map { _ in a.next() } == (0..<5).map { _ in b.next() })
    }
}

struct SlowBackoffTests {
    @Test("a small jitter keeps delays near the ceiling")
    func smallJitter() {
        var random = SharedRandom.seeded(11)
        let backoff = Backoff(initial: .seconds(12), maximum: .seconds(300), jitter: 0.15)
        for _ in 0..<500 {
            let delay = backoff.delay(attempt: 0, using: &random)
            #expect(delay >= .seconds(10.2) && delay <= .seconds(12))
        }
        #expect(backoff.ceiling(attempt: 5) == .seconds(300))
    }
}
