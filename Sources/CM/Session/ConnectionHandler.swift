import Logging
import NIOCore
import Wire

/// One client connection on its channel's loop: the NIO side of `ConnectionStateMachine`.
/// Every channel event goes into the machine; the handler performs the actions that come out
/// (write, flush, close, timers, registry, routing) and decides nothing itself.
///
/// Everything that ends a connection goes through the machine, so the registry, the admission
/// counters and the metrics are released exactly once whichever way it ends.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias StateMachine = ConnectionStateMachine<SessionHandle>

    let server: ServerContext
    let loop: LoopContext
    var machine: StateMachine
    var context: ChannelHandlerContext?
    /// The client's IP address, for the per-address limit; nil for a Unix socket.
    private var address: String?
    var loginTimer: Scheduled<Void>?
    var idleTimer: Scheduled<Void>?
    var sendBucket: TokenBucket
    /// Set by the loop's flush batch; see `LoopContext.flushSoon`.
    var flushPending = false
    var outbound = OutboundBatch()
    /// CMP decoding happens here rather than in a ByteToMessageHandler before this handler: a
    /// frame passed between handlers is boxed in an existential and cast back, an allocation
    /// and a dynamic cast per message that the CM does not need to pay.
    private let decoder: NIOSingleStepByteToMessageProcessor<CMPDecoder>

    init(server: ServerContext, loop: LoopContext) {
        self.server = server
        self.loop = loop
        machine = StateMachine(limits: server.limits)
        sendBucket = TokenBucket(perSecond: server.limits.sendRate, now: loop.eventLoop.now)
        decoder = NIOSingleStepByteToMessageProcessor(CMPDecoder(maximumMessageSize: server.limits.maxFrame))
    }

    var logger: Logger { server.logger }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Added after a WebSocket upgrade, the channel is already active.
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    /// Admission and the login timer, once, whether the connection became active here or
    /// before this handler was added.
    private func start(context: ChannelHandlerContext) {
        guard !machine.hasStarted else { return }
        loop.opened(self)
        loop.metrics.accepted.increment()
        address = context.channel.remoteAddress?.ipAddress
        switch machine.started(admission: server.admit(address: address), now: context.eventLoop.now) {
        case .none:
            break
        case .armLoginTimer:
            let timeout = TimeAmount.nanoseconds(Int64(server.limits.loginTimeoutSeconds * 1e9))
            loginTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                if let kick = machine.loginTimerFired() { perform(kick) }
            }
        case .kick(let kick):
            perform(kick)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        loginTimer?.cancel()
        idleTimer?.cancel()
        let cleanUp = machine.closed()
        if let session = cleanUp.unregister { unregister(session) }
        outbound.fail()
        if cleanUp.releaseAdmission { server.release(address: address) }
        if cleanUp.wasStarted { loop.closed(self) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard machine.isConversing else { return }
        do {
            try decoder.process(buffer: unwrapInboundIn(data)) { frame in
                received(frame)
            }
        } catch {
            failed(error)
        }
    }

    private func received(_ frame: CMPFrame) {
        loop.metrics.received(frame.message.type)
        switch machine.received(frame) {
        case .ignore: break
        case .checkLogin(let login, let problems): checkLogin(login, problems: problems)
        case .route(let send, let session): route(send, from: session)
        case .refuseSend(let messageID, let result, let reason): answerSend(messageID, result: result, reason: reason)
        case .reply(let message): write(message)
        case .close(let close): perform(close)
        case .kick(let kick): perform(kick)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        machine.readCompleted(now: context.eventLoop.now)
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let kick = machine.writabilityChanged(isWritable: context.channel.isWritable) { perform(kick) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed(error)
    }

    /// Malformed CMP closes this connection with a KICK saying why; any other error (a reset,
    /// a failed write) closes it, and either way a logged-in session leaves the registry.
    private func failed(_ error: any Error) {
        switch machine.failed(error) {
        case .none:
            break
        case .malformed(let kick):
            loop.metrics.decodeErrors.increment()
            logger.debug("malformed CMP, closing", metadata: ["peer": "\(context?.channel.remoteAddress?.description ?? "?")", "error": "\(error)"])
            perform(kick)
        case .close(let close):
            logger.debug("connection error", metadata: ["error": "\(error)"])
            perform(close)
        }
    }

    // MARK: Idle timer

    func scheduleIdleCheck(at deadline: NIODeadline) {
        guard let context else { return }
        // One timer per connection, re-armed only when it fires, so reads cost no timer work.
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            switch machine.idleCheckDue(now: context.eventLoop.now) {
            case .none: break
            case .recheck(let due): scheduleIdleCheck(at: due)
            case .kick(let kick): perform(kick)
            }
        }
    }
}
