import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

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
