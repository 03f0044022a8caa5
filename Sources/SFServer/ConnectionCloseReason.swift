import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

/// Why a server connection closed; the raw values are the bounded `reason` label of the servers' metrics.
public enum ConnectionCloseReason: String, Sendable, CaseIterable {
    case handshakeTimeout = "handshake_timeout"
    case readTimeout = "read_timeout"
    case idleTimeout = "idle_timeout"
    /// Closed while idle to make room for a new connection at the cap.
    case evicted
    /// A new connection at the cap, with no idle connection to close instead.
    case refused
    /// The client closed it, or an error or shutdown did.
    case other

    init(_ expiry: ConnectionTimeline.Expiry) {
        switch expiry {
        case .handshakeTimeout: self = .handshakeTimeout
        case .readTimeout: self = .readTimeout
        case .idleTimeout: self = .idleTimeout
        }
    }
}
