import NIOCore
import Wire

/// One simulated user's connection: logs in when the channel speaks CMP, answers DELIVERs with
/// DELIVER_ACK (recording the latency), counts SEND_ACKs, and tells its loop when it is gone.
/// Writes are encoded straight into a buffer: no MessageToByteHandler in the generator's path.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let user: Int
    private unowned let loop: LoadLoop
    private(set) var context: ChannelHandlerContext?
    private var loginSent = false
    private(set) var loggedIn = false
    /// Position in the loop's `connections`, for O(1) removal.
    var slot = -1
    private var nextMessageID: UInt32 = 0
    var lastWrite = NIODeadline.now()
    /// Messages written since the last flush, sent as one buffer: the generator must cost the
    /// CM more than it costs itself, so it batches like the CM does.
    private var pending = ByteBuffer()
    /// Decoding here rather than in a ByteToMessageHandler: no boxed frame per message.
    private let decoder: NIOSingleStepByteToMessageProcessor<CMPDecoder>
    /// Already counted as failed (refused login, or no answer in time): closing it later
    /// must not count it again.
    var failedLogin = false
    var abandoned = false

    init(user: Int, loop: LoadLoop, maximumMessageSize: Int) {
        self.user = user
        self.loop = loop
        decoder = NIOSingleStepByteToMessageProcessor(CMPDecoder(maximumMessageSize: maximumMessageSize))
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { sendLogin(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendLogin(context)
        context.fireChannelActive()
    }

    private func sendLogin(_ context: ChannelHandlerContext) {
        guard !loginSent else { return }
        loginSent = true
        let name = loop.userName(user)
        let login = CMPLogin(keepAlive: loop.configuration.keepAlive, user: name, device: "d", token: loop.token(for: name))
        write(.login(login), context)
        flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try decoder.process(buffer: unwrapInboundIn(data)) { frame in received(frame, context) }
        } catch {
            context.close(promise: nil)
        }
    }

    private func received(_ frame: CMPFrame, _ context: ChannelHandlerContext) {
        switch frame.message {
        case .loginAck(let ack):
            if ack.result.isSuccess {
                loggedIn = true
                loop.loggedIn(self)
            } else {
                loop.failed(self, reason: "login: \(ack.result.name)")
                context.close(promise: nil)
            }
        case .deliver(let deliver):
            loop.delivered(payload: deliver.payload)
            write(.deliverAck(CMPDeliverAck(serverMessageID: deliver.serverMessageID)), context)
        case .sendAck(let ack):
            loop.acked(ack.result)
        case .kick(let kick):
            loop.kicked(kick.reason.name)
        case .pong, .ping, .login, .send, .deliverAck, .logout:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.closed(self)
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// A SEND from this user; returns false when the connection cannot take it now.
    func send(to recipient: String, payload: ByteBuffer) -> Bool {
        guard let context, context.channel.isWritable else { return false }
        nextMessageID &+= 1
        write(.send(CMPSend(messageID: nextMessageID, recipient: recipient, toRoom: false, payload: payload)), context)
        return true
    }

    func ping() {
        guard let context else { return }
        write(.ping, context)
        flush()
    }

    func flush() {
        guard pending.readableBytes > 0, let context else { return }
        let batch = pending
        pending = ByteBuffer()
        // Once per batch rather than per message: the keep-alive only needs "recently".
        lastWrite = .now()
        context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
    }

    func close() {
        context?.close(promise: nil)
    }

    private func write(_ message: CMPMessage, _ context: ChannelHandlerContext) {
        if pending.capacity == 0 { pending = context.channel.allocator.buffer(capacity: 512) }
        do {
            try CMPEncoder.encode(message, into: &pending)
        } catch {
            // Only an oversize message fails, and the generator builds none.
            return
        }
    }
}
