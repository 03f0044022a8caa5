import Synchronization

/// The open connections of one server, for its connection cap: admits a new connection, making room by
/// closing the longest-idle one when full, and refuses it when every connection is busy.
///
/// Connections run on several event loops, so the table sits behind a lock; each connection reports
/// when it becomes idle or busy (a few times per request, uncontended in practice). An evicted
/// connection leaves the table at once, so the count never exceeds the cap even before its close lands.
public final class ConnectionRegistry: Sendable {
    public typealias ID = Int

    public enum Admission: Sendable {
        case admitted(ID)
        /// Admitted; `evict` closes the connection chosen to make room.
        case admittedEvicting(ID, evict: @Sendable () -> Void)
        case refused
    }

    struct Entry {
        /// When it became idle (or was accepted, while handshaking); nil while a request is in progress.
        var evictableSince: Duration?
        var close: @Sendable () -> Void
    }

    struct State {
        var entries: [ID: Entry] = [:]
        var evicted: Set<ID> = []
        var nextID: ID = 0
    }

    public let maximum: Int
    private let state = Mutex(State())

    public init(maximum: Int) {
        precondition(maximum > 0, "the connection cap is validated by the configuration parser")
        self.maximum = maximum
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// Registers a new connection, evictable since `now` (it has sent nothing yet).
    public func admit(now: Duration, close: @escaping @Sendable () -> Void) -> Admission {
        state.withLock { state in
            var victim: (id: ID, since: Duration)?
            if state.entries.count >= maximum {
                for (id, entry) in state.entries {
                    guard let since = entry.evictableSince else { continue }
                    if victim == nil || since < victim!.since { victim = (id, since) }
                }
                guard victim != nil else { return .refused }
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(evictableSince: now, close: close)
            guard let victim, let evicted = state.entries.removeValue(forKey: victim.id) else { return .admitted(id) }
            state.evicted.insert(victim.id)
            return .admittedEvicting(id, evict: evicted.close)
        }
    }

    /// Records whether the connection may be evicted; false when it already was (it must close, not serve).
    public func update(_ id: ID, evictableSince: Duration?) -> Bool {
        state.withLock { state in
            guard state.entries[id] != nil else { return !state.evicted.contains(id) }
            state.entries[id]?.evictableSince = evictableSince
            return true
        }
    }

    /// Forgets a closed connection; true when it had been evicted to make room.
    @discardableResult
    public func remove(_ id: ID) -> Bool {
        state.withLock { state in
            state.entries[id] = nil
            return state.evicted.remove(id) != nil
        }
    }
}
