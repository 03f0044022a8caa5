import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

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
            try operations.addHandler(
                ConnectionBytesHandler(watch: watch, handshakeCompleted: handshakeCompleted),
                position: .before(decoder)
            )
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(ConnectionPartsHandler(watch: watch), position: .before(state))
            return value
        }
    }

    public func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
