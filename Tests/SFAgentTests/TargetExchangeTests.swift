import Foundation
import Logging
import SFAgent
import SFCore
import Synchronization
import Testing

struct TargetExchangeTests {
    static let target = TargetConfiguration(
        name: "s3",
        provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r")),
        outputs: OutputsConfiguration(awsCredentialsFile: .init(path: "/unused"))
    )
    static let logger = Logger(label: "test")
    static let good = credentials(expiring: Date(timeIntervalSince1970: 4_000_000_000))

    func run(
        _ exchanger: ScriptedExchanger,
        deadline: Duration = .seconds(60),
        clock: ImmediateClock = ImmediateClock(),
        source: any IdentitySource = StubSource()
    ) async -> Result<ExchangeOutcome, TargetFailure> {
        let exchange = TargetExchange(target: Self.target, source: source, exchanger: exchanger)
        do throws(TargetFailure) {
            return .success(
                try await exchange.exchange(
                    deadline: deadline,
                    backoff: Backoff(initial: .seconds(1), maximum: .seconds(8)),
                    clock: clock,
                    random: .seeded(1),
                    logger: Self.logger
                )
            )
        } catch {
            return .failure(error)
        }
    }

    @Test("transient failures are retried with growing backoff until success")
    func retriesTransient() async throws {
        let exchanger = ScriptedExchanger([
            .failure(.init(kind: .unavailable)), .failure(.init(kind: .unavailable)), .success(Self.good),
        ])
        let clock = ImmediateClock()
        let result = await run(exchanger, clock: clock)
        #expect(try result.get().credentials == Self.good)
        #expect(exchanger.calls.withLock { $0 } == 3)
        let sleeps = clock.sleeps.withLock { $0 }
        #expect(sleeps.count == 2)
        #expect(sleeps[0] >= .milliseconds(500) && sleeps[0] <= .seconds(1))
        #expect(sleeps[1] >= .seconds(1) && sleeps[1] <= .seconds(2))
    }

    @Test("gives up at the deadline with the last error")
    func deadline() async {
        let exchanger = ScriptedExchanger([.failure(.init(kind: .unavailable))])
        let clock = ImmediateClock()
        let result = await run(exchanger, deadline: .seconds(20), clock: clock)
        guard case .failure(let failure) = result else {
            Issue.record("succeeded")
            return
        }
        #expect(failure.kind == .unavailable)
        #expect(failure.description == "target \"s3\": exchanging the token at AWS STS failed: scripted unavailable")
        let total = clock.sleeps.withLock { $0.reduce(.zero, +) }
        #expect(total <= .seconds(20))
        #expect(exchanger.calls.withLock { $0 } >= 4)
    }

    @Test("rejections are not retried")
    func rejection() async {
        let exchanger = ScriptedExchanger([.failure(.init(kind: .rejected)), .success(Self.good)])
        guard case .failure(let failure) = await run(exchanger) else {
            Issue.record("succeeded")
            return
        }
        #expect(failure.kind == .rejected)
        #expect(exchanger.calls.withLock { $0 } == 1)
    }

    @Test("a token rejection is retried once, at once, with a re-read token")
    func freshToken() async throws {
        let exchanger = ScriptedExchanger([
            .failure(.init(kind: .rejected, mayPassWithFreshToken: true)), .success(Self.good),
        ])
        let clock = ImmediateClock()
        #expect(try await run(exchanger, clock: clock).get().credentials == Self.good)
        #expect(clock.sleeps.withLock { $0 }.isEmpty)
        let twice = ScriptedExchanger([.failure(.init(kind: .rejected, mayPassWithFreshToken: true))])
        await #expect(throws: TargetFailure.self) { try await run(twice).get() }
        #expect(twice.calls.withLock { $0 } == 2)
    }

    @Test("a source that is not ready yet is asked again, 250 ms to 4 s apart, then the exchange runs once")
    func waitsForSource() async throws {
        let exchanger = ScriptedExchanger([.success(Self.good)])
        let source = WarmingSource(notReadyFetches: 3, startupWait: .seconds(30))
        let clock = ImmediateClock()
        #expect(try await run(exchanger, clock: clock, source: source).get().credentials == Self.good)
        #expect(source.fetches.withLock { $0 } == 4)
        #expect(exchanger.calls.withLock { $0 } == 1)
        let sleeps = clock.sleeps.withLock { $0 }
        #expect(sleeps.count == 3)
        #expect(sleeps[0] >= .milliseconds(125) && sleeps[0] <= .milliseconds(250))
        #expect(sleeps[2] >= .milliseconds(500) && sleeps[2] <= .seconds(1))
    }

    @Test("after the source's startup wait its last failure stands, kept as the cause; no exchange is tried")
    func sourceWaitEnds() async {
        let exchanger = ScriptedExchanger([.success(Self.good)])
        let source = WarmingSource(notReadyFetches: .max, startupWait: .seconds(5))
        let clock = ImmediateClock()
        guard case .failure(let failure) = await run(exchanger, clock: clock, source: source) else {
            Issue.record("succeeded")
            return
        }
        #expect(failure.kind == .source && failure.step == .source)
        let fetches = source.fetches.withLock { $0 }
        #expect(fetches > 3)
        #expect(failure.description == "target \"s3\": reading the identity token failed: not ready (fetch \(fetches))")
        #expect((failure.underlying as? NotReadyFailure)?.fetch == fetches)
        #expect(clock.sleeps.withLock { $0.reduce(.zero, +) } == .seconds(5))
        #expect(exchanger.calls.withLock { $0 } == 0)
    }

    @Test("source failures that are not 'not ready', or a source without a startup wait, are asked once")
    func sourceAskedOnce() async {
        let sources = [
            WarmingSource(notReadyFetches: .max, startupWait: .zero),
            WarmingSource(notReadyFetches: .max, startupWait: .seconds(30), notReady: false),
        ]
        for source in sources {
            let clock = ImmediateClock()
            let exchanger = ScriptedExchanger([.success(Self.good)])
            guard case .failure(let failure) = await run(exchanger, clock: clock, source: source) else {
                Issue.record("succeeded")
                continue
            }
            #expect(failure.kind == .source)
            #expect(source.fetches.withLock { $0 } == 1)
            #expect(clock.sleeps.withLock { $0 }.isEmpty)
        }
    }
}

/// A source that fails its first `notReadyFetches` fetches (as not ready, unless told otherwise).
final class WarmingSource: IdentityTokenSource, Sendable {
    let notReadyFetches: Int
    let startupWait: Duration
    let notReady: Bool
    let fetches = Mutex(0)

    init(notReadyFetches: Int, startupWait: Duration, notReady: Bool = true) {
        self.notReadyFetches = notReadyFetches
        self.startupWait = startupWait
        self.notReady = notReady
    }

    var origin: String { "warming" }

    func fetchToken() async throws -> IdentityToken {
        let fetch = fetches.withLock { count in
            count += 1
            return count
        }
        if fetch <= notReadyFetches { throw NotReadyFailure(fetch: fetch, mayPassOnceReady: notReady) }
        return try await StubSource().fetchToken()
    }
}

struct NotReadyFailure: Error, ClassifiedFailure, CustomStringConvertible {
    var fetch: Int
    var mayPassOnceReady: Bool
    var kind: FailureKind { .source }
    var description: String { "not ready (fetch \(fetch))" }
}
