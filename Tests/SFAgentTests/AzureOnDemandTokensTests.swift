import Foundation
import SFAgent
import SFCore
import Synchronization
import Testing

struct AzureOnDemandTokensTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let client = "11111111-2222-3333-4444-555555555555"

    /// A clock the test moves, exchanges from a script (by call) that record the resources asked for.
    final class Harness: Sendable {
        let time = Mutex(AzureOnDemandTokensTests.start)
        let calls = Mutex<[String]>([])
        let failures = Mutex<[String: ScriptedFailure]>([:])
        let refreshed = Mutex<(tokens: AzureAccessTokens, issuedAt: Date?)?>(nil)
        let lifetime: TimeInterval

        init(lifetime: TimeInterval = 3600) { self.lifetime = lifetime }

        var now: Date { time.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var exchanged: [String] { calls.withLock { $0 } }

        func exchange(_ resource: String) throws -> AzureAccessToken {
            let number = calls.withLock {
                $0.append(resource)
                return $0.count
            }
            if let failure = failures.withLock({ $0[resource] }) { throw failure }
            return AzureAccessToken(
                token: "token-\(number)",
                expiration: now.addingTimeInterval(lifetime),
                resource: resource,
                clientId: AzureOnDemandTokensTests.client
            )
        }

        func tokens(capacity: Int = 32, margin: Duration = .seconds(300)) -> AzureOnDemandTokens {
            AzureOnDemandTokens(
                clientId: AzureOnDemandTokensTests.client,
                margin: margin,
                capacity: capacity,
                now: { self.now },
                refreshed: { self.refreshed.withLock { $0 } },
                exchange: { try self.exchange($0) }
            )
        }
    }

    @Test("a pre-fetched resource is served from the latest refresh while valid beyond the margin, then exchanged")
    func preFetched() async throws {
        let harness = Harness()
        let storage = AzureAccessToken(
            token: "refreshed",
            expiration: Self.start.addingTimeInterval(3600),
            resource: "https://storage.azure.com",
            clientId: Self.client
        )
        harness.refreshed.withLock {
            $0 = (
                AzureAccessTokens(tokens: [storage.resource: storage], assertion: "", assertionExpiration: nil),
                Self.start
            )
        }
        let tokens = harness.tokens()
        #expect(try await tokens.accessToken(for: "https://storage.azure.com").token == "refreshed")
        #expect(try await tokens.accessToken(for: "https://storage.azure.com/.default").token == "refreshed")
        #expect(harness.exchanged.isEmpty)
        harness.advance(3600 - 300)  // within the margin: the refresh is late
        #expect(try await tokens.accessToken(for: "https://storage.azure.com").token == "token-1")
        #expect(harness.exchanged == ["https://storage.azure.com"])
    }

    @Test("another resource is exchanged on first request and kept until near its expiry")
    func onDemand() async throws {
        let harness = Harness()
        let tokens = harness.tokens()
        #expect(try await tokens.accessToken(for: "https://vault.azure.net/.default").token == "token-1")
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-1")
        harness.advance(3299)
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-1")
        harness.advance(1)
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-2")
        #expect(harness.exchanged == ["https://vault.azure.net", "https://vault.azure.net"])
    }

    @Test("short-lived tokens: the margin shrinks to a quarter of the lifetime, so each is served for 3/4 of it")
    func shortLived() async throws {
        let harness = Harness(lifetime: 8)
        let tokens = harness.tokens()
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-1")
        harness.advance(5.9)
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-1")
        harness.advance(0.1)
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-2")
    }

    @Test("a failure is answered from memory for 2 s, then 4 s, 8 s…; a success clears it")
    func failureHoldoff() async throws {
        let harness = Harness()
        harness.failures.withLock { $0["https://vault.azure.net"] = ScriptedFailure(kind: .unavailable) }
        let tokens = harness.tokens()
        for _ in 0..<3 {
            await #expect(throws: ScriptedFailure.self) { try await tokens.accessToken(for: "https://vault.azure.net") }
        }
        #expect(harness.exchanged.count == 1)
        harness.advance(2)
        await #expect(throws: ScriptedFailure.self) { try await tokens.accessToken(for: "https://vault.azure.net") }
        #expect(harness.exchanged.count == 2)
        harness.advance(3.9)
        await #expect(throws: ScriptedFailure.self) { try await tokens.accessToken(for: "https://vault.azure.net") }
        #expect(harness.exchanged.count == 2)
        harness.advance(0.1)
        harness.failures.withLock { $0 = [:] }
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-3")
        #expect(try await tokens.accessToken(for: "https://vault.azure.net").token == "token-3")
        #expect(harness.exchanged.count == 3)
    }

    @Test("bounded: past the capacity the token expiring first makes room")
    func capacity() async throws {
        let harness = Harness()
        let tokens = harness.tokens(capacity: 2)
        _ = try await tokens.accessToken(for: "https://a")
        harness.advance(10)
        _ = try await tokens.accessToken(for: "https://b")
        _ = try await tokens.accessToken(for: "https://c")
        #expect(tokens.count == 2)
        _ = try await tokens.accessToken(for: "https://b")
        #expect(harness.exchanged == ["https://a", "https://b", "https://c"])
        _ = try await tokens.accessToken(for: "https://a")
        #expect(harness.exchanged == ["https://a", "https://b", "https://c", "https://a"])
    }

    @Test("concurrent first requests for one resource make one exchange; all get its token")
    func singleFlight() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let calls = Mutex(0)
        let tokens = AzureOnDemandTokens(
            clientId: Self.client,
            margin: .seconds(300),
            now: { Self.start },
            refreshed: { nil },
            exchange: { resource in
                calls.withLock { $0 += 1 }
                for await _ in gate { break }
                return AzureAccessToken(
                    token: "one",
                    expiration: Self.start.addingTimeInterval(3600),
                    resource: resource,
                    clientId: Self.client
                )
            }
        )
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try await tokens.accessToken(for: "https://vault.azure.net").token }
            }
            while tokens.waiting(for: "https://vault.azure.net") < 7 { await Task.yield() }
            open.yield()
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: "one", count: 8))
        #expect(calls.withLock { $0 } == 1)
    }

    @Test("concurrent requests share the failure too, and it is kept")
    func singleFlightFailure() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let calls = Mutex(0)
        let tokens = AzureOnDemandTokens(
            clientId: Self.client,
            margin: .seconds(300),
            now: { Self.start },
            refreshed: { nil },
            exchange: { _ in
                calls.withLock { $0 += 1 }
                for await _ in gate { break }
                throw ScriptedFailure(kind: .rejected)
            }
        )
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask { (try? await tokens.accessToken(for: "https://vault.azure.net")) == nil }
            }
            while tokens.waiting(for: "https://vault.azure.net") < 3 { await Task.yield() }
            open.yield()
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(failures == 4)
        await #expect(throws: ScriptedFailure.self) { try await tokens.accessToken(for: "https://vault.azure.net") }
        #expect(calls.withLock { $0 } == 1)
    }
}
