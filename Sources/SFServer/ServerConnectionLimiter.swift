import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

/// One server's timeouts and connection cap, applied to each connection it accepts (`wrap`).
///
/// Shared by the webhook and the agent's loopback servers (`HTTP1Server` wraps every connection with it).
public struct ServerConnectionLimiter: Sendable {
    public let limits: ServerLimits
    public let registry: ConnectionRegistry
    let observer: ConnectionObserver

    public init(limits: ServerLimits, observer: ConnectionObserver = .none) {
        self.limits = limits
        self.registry = ConnectionRegistry(maximum: limits.maximumConnections)
        self.observer = observer
    }

    /// `base` with the limits; `handshakeCompleted` recognises the TLS layer's "handshake done" user event
    /// (nil for plain HTTP: no handshake phase).
    public func wrap<Base: ServerChildChannel>(
        _ base: Base,
        handshakeCompleted: (@Sendable (Any) -> Bool)? = nil
    ) -> LimitedServerChildChannel<Base> {
        LimitedServerChildChannel(base: base, limiter: self, handshakeCompleted: handshakeCompleted)
    }
}
