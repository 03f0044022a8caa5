import Foundation
import Logging
import SFAgent
import SFCore
import SFLocalEndpoints
import ServiceLifecycle
import Synchronization
import Testing

struct CredentialRotatorTests {
    /// Runs a rotator on the immediate clock until `stop` says so, then cancels it. Polls for at most
    /// `timeout` of real time: a rotator that never gets there fails the test instead of hanging it.
    func run(
        script: [Result<IssuedCredentials, ScriptedFailure>],
        now: @escaping @Sendable () -> Date,
        path: String,
        timeout: Duration = .seconds(10),
        until stop: @escaping @Sendable (CredentialStore, Int) -> Bool
    ) async throws
        -> (CredentialStore, ImmediateClock, ScriptedExchanger)
    {
        let exchanger = ScriptedExchanger(script)
        let target = TargetConfiguration(
            name: "s3",
            provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r")),
            outputs: OutputsConfiguration(awsCredentialsFile: .init(path: path))
        )
        let store = CredentialStore(targets: ["s3"])
        let clock = ImmediateClock()
        let rotator = CredentialRotator(
            exchange: TargetExchange(target: target, source: StubSource(), exchanger: exchanger),
            store: store,
            metrics: AgentMetrics(targets: ["s3"]),
            writer: OutputWriter(source: .tokenFile(path: "/t")),
            refresh: RefreshConfiguration(),
            clock: clock,
            now: now,
            random: .seeded(5),
            logger: Logger(label: "t")
        )
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await rotator.run() }
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while !stop(store, exchanger.calls.withLock { $0 }) {
                guard ContinuousClock.now < deadline else {
                    let calls = exchanger.calls.withLock { $0 }
                    let state = "the expected state within \(timeout) (\(calls) exchange(s) made)"
                    Issue.record("the rotator did not reach \(state)")
                    break
                }
                await Task.yield()
            }
            group.cancelAll()
        }
        return (store, clock, exchanger)
    }

    @Test("a state that never comes fails the test at the deadline instead of hanging it")
    func deadline() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rot-\(UUID().uuidString)/c").path
        let base = Date(timeIntervalSince1970: 1_000_000)
        let start = ContinuousClock.now
        await withKnownIssue("the rotator never reaches a state no one can reach") {
            _ = try await run(
                script: [.success(credentials(expiring: base.addingTimeInterval(3600)))],
                now: { base },
                path: path,
                timeout: .milliseconds(200)
            ) { _, _ in false }
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("refreshes at about half the lifetime, again and again")
    func schedule() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rot-\(UUID().uuidString)/c").path
        let base = Date(timeIntervalSince1970: 1_000_000)
        let (_, clock, _) = try await run(
            script: [.success(credentials(expiring: base.addingTimeInterval(3600)))],
            now: { base },
            path: path
        ) { _, calls in calls >= 4 }
        let sleeps = clock.sleeps.withLock { $0 }
        #expect(sleeps.count >= 3)
        #expect(sleeps.prefix(3).allSatisfy { $0 >= .seconds(1620) && $0 <= .seconds(1980) })
    }

    @Test("a failed refresh keeps the last good credentials on disk and in the store, and backs off")
    func keepsLastGood() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rot-\(UUID().uuidString)/c").path
        let base = Date(timeIntervalSince1970: 1_000_000)
        let good = credentials(expiring: base.addingTimeInterval(3600))
        let (store, clock, _) = try await run(
            script: [
                .success(good), .failure(.init(kind: .unavailable)), .failure(.init(kind: .unavailable)),
                .failure(.init(kind: .unavailable)),
            ],
            now: { base },
            path: path
        ) { _, calls in calls >= 4 }
        #expect(store.state("s3")?.credentials == good)
        #expect(store.state("s3")?.consecutiveFailures ?? 0 >= 2)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("aws_access_key_id = ASIATEST"))
        let retries = clock.sleeps.withLock { Array($0.dropFirst()) }
        #expect(retries.count >= 2)
        #expect(retries[0] <= .seconds(1) && retries[1] > .seconds(1) && retries[1] <= .seconds(2))
    }

    @Test("permanent rejections retry slowly, and never stop the loop")
    func rejectionsRetrySlowly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rot-\(UUID().uuidString)/c").path
        let (store, clock, _) = try await run(
            script: [.failure(.init(kind: .rejected))],
            now: { Date(timeIntervalSince1970: 0) },
            path: path
        ) { _, calls in calls >= 3 }
        #expect(store.state("s3")?.credentials == nil)
        #expect(clock.sleeps.withLock { $0 }.allSatisfy { $0 >= .seconds(5) })
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a refresh rejected for the token is retried at once with the token re-read, without a backoff sleep")
    func freshTokenRetry() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rot-\(UUID().uuidString)/c").path
        let base = Date(timeIntervalSince1970: 1_000_000)
        let good = credentials(expiring: base.addingTimeInterval(3600))
        let (store, clock, _) = try await run(
            script: [.failure(.init(kind: .rejected, mayPassWithFreshToken: true)), .success(good)],
            now: { base },
            path: path
        ) { store, _ in store.state("s3")?.credentials != nil }
        #expect(store.state("s3")?.credentials == good)
        #expect(store.state("s3")?.consecutiveFailures == 0)
        // The first sleep is the refresh delay (~half the lifetime), not a retry backoff.
        #expect(clock.sleeps.withLock { $0 }.allSatisfy { $0 >= .seconds(1620) })
    }
}
