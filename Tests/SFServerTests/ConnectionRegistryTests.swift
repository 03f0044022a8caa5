import SFServer
import Synchronization
import Testing

struct ConnectionRegistryTests {
    final class Closed: Sendable {
        let ids = Mutex<[Int]>([])
        func closer(_ id: Int) -> @Sendable () -> Void { { self.ids.withLock { $0.append(id) } } }
    }

    @Test("at the cap the longest-idle connection is evicted, never a busy one; with none idle the new one is refused")
    func eviction() throws {
        let registry = ConnectionRegistry(maximum: 3)
        let closed = Closed()
        var ids: [ConnectionRegistry.ID] = []
        for n in 0..<3 {
            guard case .admitted(let id) = registry.admit(now: .seconds(n), close: closed.closer(n)) else {
                Issue.record("connection \(n) should be admitted below the cap")
                return
            }
            ids.append(id)
        }
        // 0 is busy (reading a request); 1 idle since 5 s; 2 idle since 4 s: 2 has been idle longest.
        #expect(registry.update(ids[0], evictableSince: nil))
        #expect(registry.update(ids[1], evictableSince: .seconds(5)))
        #expect(registry.update(ids[2], evictableSince: .seconds(4)))
        let admission = registry.admit(now: .seconds(6), close: closed.closer(3))
        guard case .admittedEvicting(let fourth, let evict) = admission else {
            Issue.record("the fourth connection should evict an idle one")
            return
        }
        evict()
        #expect(closed.ids.withLock { $0 } == [2])
        #expect(registry.count == 3)
        // The evicted connection may not start a request any more; its close is reported as an eviction.
        #expect(!registry.update(ids[2], evictableSince: nil))
        #expect(registry.remove(ids[2]))
        // 0 busy, 1 busy now, 3 busy: nothing to evict.
        #expect(registry.update(ids[1], evictableSince: nil))
        #expect(registry.update(fourth, evictableSince: nil))
        guard case .refused = registry.admit(now: .seconds(7), close: closed.closer(4)) else {
            Issue.record("with every connection busy the new one must be refused")
            return
        }
        #expect(registry.count == 3)
        #expect(!registry.remove(ids[0]))
        guard case .admitted = registry.admit(now: .seconds(8), close: closed.closer(5)) else {
            Issue.record("a closed connection frees its slot")
            return
        }
    }
}
