import NIOCore
import NIOWebSocket

/// Turns a WebSocket connection into the byte stream the CMP handlers expect: the data of
/// binary frames (and their continuations) goes up as bytes, CMP bytes go down as binary
/// frames. Control frames are answered here; a text frame is a protocol error (1003).
final class WebSocketBridge: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = WebSocketFrame

    private var closeSent = false
    /// Clients mask every frame they send (RFC 6455 5.3); servers never do.
    private let masksFrames: Bool

    init(masksFrames: Bool = false) {
        self.masksFrames = masksFrames
    }

    private func frame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: masksFrames ? .random() : nil, data: data)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .binary, .continuation:
            context.fireChannelRead(wrapInboundOut(frame.unmaskedData))
        case .ping:
            context.writeAndFlush(wrapOutboundOut(self.frame(.pong, frame.unmaskedData)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            sendClose(context: context, code: .normalClosure)
            context.close(promise: nil)
        case .text:
            sendClose(context: context, code: .unacceptableData)
            context.close(promise: nil)
        default:
            sendClose(context: context, code: .protocolError)
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(frame(.binary, bytes)), promise: promise)
    }

    /// A close from the CM (after a KICK, at drain) says goodbye the WebSocket way first.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { sendClose(context: context, code: .goingAway) }
        context.close(mode: mode, promise: promise)
    }

    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard !closeSent else { return }
        closeSent = true
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        context.writeAndFlush(wrapOutboundOut(frame(.connectionClose, data)), promise: nil)
    }
}
