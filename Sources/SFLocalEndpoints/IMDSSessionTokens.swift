import FoundationEssentials
import Synchronization

/// The IMDSv2 session tokens an `imdsListen` emulation has issued, as EC2's IMDS keeps them: each
/// `PUT /latest/api/token` gets a fresh random token valid for the TTL it asked for; an expired or
/// unknown token is refused (401). Bounded: expired tokens are dropped on every issue, and beyond
/// `capacity` live tokens the one expiring first is dropped (its holder gets a 401 and PUTs again, as
/// the SDKs do after any 401).
///
/// Randomness (`makeToken`) and the comparison (`equals`, constant-time in production) are injected;
/// time is passed with each call.
public final class IMDSSessionTokens: Sendable {
    public static let defaultCapacity = 256

    /// The issued tokens and their expiry; pure.
    public struct Table: Sendable, Equatable {
        public struct Entry: Sendable, Equatable {
            public var token: [UInt8]
            public var expires: Date
        }

        public private(set) var entries: [Entry] = []
        public let capacity: Int

        public init(capacity: Int) {
            precondition(capacity > 0, "an IMDS session table needs room for at least one token")
            self.capacity = capacity
        }

        /// Records `token`, valid until `now + ttl`, after dropping expired tokens and, when full, the
        /// one that expires first.
        public mutating func insert(_ token: [UInt8], ttl: Int, now: Date) {
            entries.removeAll { $0.expires <= now }
            if entries.count >= capacity,
                let first = entries.indices.min(by: { entries[$0].expires < entries[$1].expires })
            {
                entries.remove(at: first)
            }
            entries.append(Entry(token: token, expires: now.addingTimeInterval(Double(ttl))))
        }

        /// Whether `presented` is an issued token that has not expired at `now`. Compares with every
        /// entry (no early exit), so the time taken does not tell how much of a guess matched.
        public func isValid(_ presented: [UInt8], now: Date, equals: ([UInt8], [UInt8]) -> Bool) -> Bool {
            var valid = false
            for entry in entries where equals(presented, entry.token) && entry.expires > now {
                valid = true
            }
            return valid
        }
    }

    private let table: Mutex<Table>
    private let makeToken: @Sendable () -> String
    private let equals: @Sendable ([UInt8], [UInt8]) -> Bool

    /// - Parameters:
    ///   - makeToken: a fresh unguessable token per call (production: 32 random bytes, hex).
    ///   - equals: compares a presented token with an issued one (production: constant time).
    public init(
        capacity: Int = defaultCapacity,
        makeToken: @escaping @Sendable () -> String,
        equals: @escaping @Sendable ([UInt8], [UInt8]) -> Bool
    ) {
        table = Mutex(Table(capacity: capacity))
        self.makeToken = makeToken
        self.equals = equals
    }

    /// A new token valid for `ttl` seconds from `now`.
    public func issue(ttl: Int, now: Date) -> String {
        let token = makeToken()
        table.withLock { $0.insert(Array(token.utf8), ttl: ttl, now: now) }
        return token
    }

    /// Whether `presented` was issued here and has not expired at `now`.
    public func isValid(_ presented: String, now: Date) -> Bool {
        let bytes = Array(presented.utf8)
        return table.withLock { $0.isValid(bytes, now: now, equals: equals) }
    }

    /// The number of live entries (expired ones are dropped on the next issue).
    public var count: Int { table.withLock { $0.entries.count } }
}
