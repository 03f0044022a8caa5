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
        _ base: Base, handshakeCompleted: (@Sendable (Any) -> Bool)? = nil
    ) -> LimitedServerChildChannel<Base> {
        LimitedServerChildChannel(base: base, limiter: self, handshakeCompleted: handshakeCompleted)
    }
}

/// An HTTP/1 child channel (optionally under TLS) with a connection watch added to its pipeline: one
/// handler on plain-text bytes just before the HTTP decoder (first bytes of a request, the TLS handshake
/// event) and one on HTTP parts (request end, response end); both feed one `ConnectionTimeline`.
public struct LimitedServerChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value

    let base: Base
    let limiter: ServerConnectionLimiter
    let handshakeCompleted: (@Sendable (Any) -> Bool)?

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let watch = ConnectionWatch(limiter: limiter, tls: handshakeCompleted != nil)
            let decoder = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try operations.addHandler(ConnectionBytesHandler(watch: watch, handshakeCompleted: handshakeCompleted),
                                      position: .before(decoder))
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(ConnectionPartsHandler(watch: watch), position: .before(state))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// The state of one connection, shared by its two handlers; used only on the connection's event loop.
final class ConnectionWatch {
    let limiter: ServerConnectionLimiter
    let tls: Bool
    private var timeline: ConnectionTimeline?
    private var id: ConnectionRegistry.ID?
    private var refused = false
    private var finished = false
    private var timer: Scheduled<Void>?
    private var timerAt: Duration?

    init(limiter: ServerConnectionLimiter, tls: Bool) {
        self.limiter = limiter
        self.tls = tls
    }

    static func now() -> Duration {
        .nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds))
    }

    /// Admits the connection (at most once); at the cap this evicts an idle one or closes this one.
    func start(_ channel: any Channel) {
        guard timeline == nil, !refused, !finished else { return }
        let now = Self.now()
        timeline = ConnectionTimeline(limits: limiter.limits, tls: tls, now: now)
        switch limiter.registry.admit(now: now, close: { channel.close(promise: nil) }) {
        case .refused:
            refused = true
            channel.close(promise: nil)
            return
        case .admitted(let id):
            self.id = id
        case .admittedEvicting(let id, let evict):
            self.id = id
            evict()
            // Counted now: the victim's own close may wait for the TLS close_notify exchange.
            limiter.observer.closed(.evicted)
        }
        limiter.observer.opened()
        schedule(channel, now: now)
    }

    /// Applies an event; false when the connection must not go on (refused, or evicted meanwhile).
    func apply(_ channel: any Channel, _ change: (inout ConnectionTimeline, Duration) -> Void) -> Bool {
        guard let id, var timeline, !finished else { return false }
        let now = Self.now()
        let before = (timeline.isEvictable, timeline.idleSince)
        change(&timeline, now)
        self.timeline = timeline
        if before != (timeline.isEvictable, timeline.idleSince) {
            guard limiter.registry.update(id, evictableSince: timeline.isEvictable ? timeline.idleSince : nil) else {
                channel.close(promise: nil)
                return false
            }
        }
        schedule(channel, now: now)
        return true
    }

    /// Keeps one timer at or before the current deadline; a timer that fires early re-arms itself.
    private func schedule(_ channel: any Channel, now: Duration) {
        guard let deadline = timeline?.deadline else { return }
        if let timerAt, timerAt <= deadline.at { return }
        timer?.cancel()
        timerAt = deadline.at
        let delay = deadline.at - now
        let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
        timer = channel.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(max(0, nanoseconds))) {
            self.fire(channel)
        }
    }

    private func fire(_ channel: any Channel) {
        timer = nil
        timerAt = nil
        guard !finished, let timeline else { return }
        let now = Self.now()
        if let reason = timeline.expired(now: now) {
            // Reported (and the slot freed) now: under TLS the close itself may wait for close_notify.
            report(ConnectionCloseReason(reason))
            channel.close(promise: nil)
        } else {
            schedule(channel, now: now)
        }
    }

    /// The connection closed: forget it and report why, unless that was done when closing it.
    func finish() {
        timer?.cancel()
        timer = nil
        if refused {
            if !finished { limiter.observer.closed(.refused) }
            finished = true
            return
        }
        report(.other)
    }

    /// Frees the connection's slot and counts its close, once; an evicted connection was counted by its evictor.
    private func report(_ reason: ConnectionCloseReason) {
        guard !finished else { return }
        finished = true
        guard let id else { return }
        if !limiter.registry.remove(id) { limiter.observer.closed(reason) }
    }
}

/// Sees plain-text bytes before the HTTP decoder: a request's first byte starts its read timeout even
/// while the decoder still waits for the end of the head.
final class ConnectionBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let watch: ConnectionWatch
    let handshakeCompleted: (@Sendable (Any) -> Bool)?

    init(watch: ConnectionWatch, handshakeCompleted: (@Sendable (Any) -> Bool)?) {
        self.watch = watch
        self.handshakeCompleted = handshakeCompleted
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { watch.start(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        watch.start(context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard watch.apply(context.channel, { $0.bytesReceived(now: $1) }) else { return }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let handshakeCompleted, handshakeCompleted(event) {
            _ = watch.apply(context.channel) { $0.handshakeCompleted(now: $1) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        watch.finish()
    }
}

/// Sees HTTP parts: a request read in full is owed a response (no timeout, no eviction) until its end is written.
final class ConnectionPartsHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let watch: ConnectionWatch

    init(watch: ConnectionWatch) {
        self.watch = watch
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            guard watch.apply(context.channel, { $0.requestHeadReceived(now: $1) }) else { return }
        case .body:
            break
        case .end:
            _ = watch.apply(context.channel) { $0.requestEndReceived(now: $1) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            _ = watch.apply(context.channel) { $0.responseEndWritten(now: $1) }
        }
        context.write(data, promise: promise)
    }
}
