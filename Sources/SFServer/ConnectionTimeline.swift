import SFCore

/// What one server connection is doing and when it must be closed if nothing happens: the pure core
/// of the servers' timeouts (the NIO handlers feed it events and act on `deadline`).
///
/// Times are `Duration`s since any fixed origin. The phases, in precedence order:
/// - handshaking: TLS not yet established (handshake timeout from accept);
/// - responding: a request was read in full and its response is not written yet: never timed out,
///   never evicted, whatever else arrives meanwhile (a pipelined request);
/// - reading: a request's first byte arrived, its end not yet (read timeout from that first byte, so a
///   client sending its headers a byte at a time gains nothing);
/// - idle: nothing owed either way (idle timeout from when it became idle).
public struct ConnectionTimeline: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case handshaking, responding, reading, idle
    }

    /// Why a timer closes a connection; the raw values are metric labels.
    public enum Expiry: String, Sendable, Equatable {
        case handshakeTimeout = "handshake_timeout"
        case readTimeout = "read_timeout"
        case idleTimeout = "idle_timeout"
    }

    let limits: ServerLimits
    private(set) var handshaken: Bool
    private(set) var readingRequest = false
    /// Request ends read minus responses ended: positive while an answer is owed; negative while a request
    /// answered early (413) is still arriving.
    private(set) var owed = 0
    private(set) var readSince: Duration
    /// When the current phase began (accept for the handshake, else the last entry into idle).
    public private(set) var idleSince: Duration

    /// A connection accepted at `now`; `tls`: it starts with a handshake.
    public init(limits: ServerLimits, tls: Bool, now: Duration) {
        self.limits = limits
        self.handshaken = !tls
        self.readSince = now
        self.idleSince = now
    }

    public var phase: Phase {
        if !handshaken { return .handshaking }
        if owed > 0 { return .responding }
        return readingRequest ? .reading : .idle
    }

    /// Idle and handshaking connections may be closed to make room at the cap; nothing is lost.
    public var isEvictable: Bool { phase == .idle || phase == .handshaking }

    /// When to close the connection, and why, if no event comes first; nil while a response is owed.
    public var deadline: (at: Duration, reason: Expiry)? {
        switch phase {
        case .handshaking: return (idleSince + limits.handshakeTimeout, .handshakeTimeout)
        case .responding: return nil
        case .reading: return (readSince + limits.readTimeout, .readTimeout)
        case .idle: return (idleSince + limits.idleTimeout, .idleTimeout)
        }
    }

    /// The reason to close at `now`, if a deadline has passed.
    public func expired(now: Duration) -> Expiry? {
        guard let deadline, now >= deadline.at else { return nil }
        return deadline.reason
    }

    public mutating func handshakeCompleted(now: Duration) {
        transition(now) { $0.handshaken = true }
    }

    /// Plain-text bytes arrived (the decoder may not have a whole request head yet).
    public mutating func bytesReceived(now: Duration) {
        guard handshaken, !readingRequest else { return }
        transition(now) {
            $0.readingRequest = true
            $0.readSince = now
        }
    }

    /// The decoder produced a request head (normally just after `bytesReceived`, which set the read start).
    public mutating func requestHeadReceived(now: Duration) {
        bytesReceived(now: now)
    }

    public mutating func requestEndReceived(now: Duration) {
        transition(now) {
            $0.readingRequest = false
            $0.owed += 1
        }
    }

    public mutating func responseEndWritten(now: Duration) {
        transition(now) { $0.owed -= 1 }
    }

    private mutating func transition(_ now: Duration, _ change: (inout ConnectionTimeline) -> Void) {
        let before = phase
        change(&self)
        if phase == .idle, before != .idle { idleSince = now }
    }
}
