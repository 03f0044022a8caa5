import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

/// Told when connections open and close (for metrics); called on event loops, so it must be quick.
public struct ConnectionObserver: Sendable {
    public var opened: @Sendable () -> Void
    public var closed: @Sendable (ConnectionCloseReason) -> Void

    public init(opened: @escaping @Sendable () -> Void, closed: @escaping @Sendable (ConnectionCloseReason) -> Void) {
        self.opened = opened
        self.closed = closed
    }

    public static let none = ConnectionObserver(opened: {}, closed: { _ in })
}
