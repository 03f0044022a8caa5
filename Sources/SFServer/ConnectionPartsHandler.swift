import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import SFCore

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
