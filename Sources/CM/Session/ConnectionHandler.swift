import Logging
import NIOCore
import Wire

/// One client connection, from accept to close: admission, login, heartbeats, routing its
/// SENDs, delivering to it, and the way out (KICK, LOGOUT, drain). Lives on its channel's loop.
///
/// The life of a connection is a small state machine:
///
///     awaitingLogin --LOGIN ok--> loggedIn --LOGOUT / KICK / close--> closed
///           |                        |
///           +--- timeout, bad ------>+--> kicked: KICK written, closed once it is out
///
/// Everything that ends a connection goes through `kick(_:)` or `closeQuietly()`, so the
/// registry, the admission counters and the metrics are released in exactly one place
/// (`channelInactive`).
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State {
        case awaitingLogin
        case loggedIn(SessionHandle)
        /// A KICK or LOGOUT ended the conversation; nothing more is read or routed.
        case ending
    }

    let server: ServerContext
    let loop: LoopContext
    private(set) var state = State.awaitingLogin
    private var context: ChannelHandlerContext?
    /// The client's IP address, for the per-address limit; nil for a Unix socket.
    private var address: String?
    private var admitted = false
    private var loginTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var keepAliveLimit: TimeAmount = .seconds(90)
    /// By the loop's clock (`eventLoop.now`), so tests on an embedded loop control time.
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    var sendBucket: TokenBucket
    /// SENDs from this connection still waiting for their deliveries; drain waits for them.
    private var pendingAcks = 0
    private var draining = false
    /// Set by the loop's flush batch; see `LoopContext.flushSoon`.
    var flushPending = false
    /// Messages encoded since the last flush, written as one buffer (see `write`).
    private var outbound = ByteBuffer()
    /// Who waits for the bytes in `outbound` to reach the kernel.
    private var outboundWaiters: [OutboundWaiter] = []
    /// CMP decoding happens here rather than in a ByteToMessageHandler before this handler: a
    /// frame passed between handlers is boxed in an existential and cast back, an allocation
    /// and a dynamic cast per message that the CM does not need to pay.
    private let decoder: NIOSingleStepByteToMessageProcessor<CMPDecoder>

    init(server: ServerContext, loop: LoopContext) {
        self.server = server
        self.loop = loop
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

    private var started = false

    /// Admission and the login timer, once, whether the connection became active here or
    /// before this handler was added.
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        lastActivity = context.eventLoop.now
        loop.opened(self)
        loop.metrics.accepted.increment()
        address = context.channel.remoteAddress?.ipAddress
        switch server.admit(address: address) {
        case .admitted:
            admitted = true
            let timeout = TimeAmount.nanoseconds(Int64(server.limits.loginTimeoutSeconds * 1e9))
            loginTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
                if case .awaitingLogin = state { kick(.loginTimeout, reason: "no LOGIN within \(server.limits.loginTimeoutSeconds) s") }
            }
        case .refused(let code):
            kick(code, reason: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        loginTimer?.cancel()
        idleTimer?.cancel()
        if case .loggedIn(let session) = state {
            server.registry.unregister(session)
            server.metrics.sessions.decrement()
        }
        state = .ending
        failOutbound()
        if admitted {
            server.release(address: address)
            admitted = false
        }
        if started { loop.closed(self) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .ending = state { return }
        do {
            try decoder.process(buffer: unwrapInboundIn(data)) { frame in
                received(frame)
            }
        } catch {
            decodeFailed(error, context: context)
        }
    }

    private func received(_ frame: CMPFrame) {
        loop.metrics.received(frame.message.type)
        switch state {
        case .ending:
            return
        case .awaitingLogin:
            guard case .login(let login) = frame.message else {
                return kick(.notLoggedIn, reason: "\(frame.message.type.name) before LOGIN")
            }
            handleLogin(login, problems: frame.problems)
        case .loggedIn(let session):
            handle(frame, session: session)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        lastActivity = context.eventLoop.now
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The channel turns unwritable when more than `writeBufferLimit` bytes wait for a client
        // that does not read: drop it rather than hold its backlog.
        if !context.channel.isWritable, case .loggedIn = state {
            kick(.slowConsumer, reason: "more than \(server.limits.writeBufferLimit) bytes unread")
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        decodeFailed(error, context: context)
    }

    /// Malformed CMP closes this connection with a KICK saying why; any other error closes it.
    private func decodeFailed(_ error: any Error, context: ChannelHandlerContext) {
        if case .ending = state { return }
        if let error = error as? CMPDecodeError {
            loop.metrics.decodeErrors.increment()
            logger.debug("malformed CMP, closing", metadata: ["peer": "\(context.channel.remoteAddress?.description ?? "?")", "error": "\(error)"])
            if case .messageTooLarge = error.kind {
                kick(.messageTooLarge, reason: error.description)
            } else {
                kick(.malformedMessage, reason: error.description)
            }
        } else {
            logger.debug("connection error", metadata: ["error": "\(error)"])
            closeQuietly()
        }
    }

    // MARK: Messages of a logged-in session

    private func handle(_ frame: CMPFrame, session: SessionHandle) {
        switch frame.message {
        case .send(let send):
            guard frame.problems.isEmpty else {
                return answerSend(send.messageID, result: .malformedMessage, reason: frame.problems.joined(separator: "; "))
            }
            route(send, from: session)
        case .deliverAck:
            break  // counted with every received message; the in-memory CM keeps nothing to forget
        case .ping:
            write(.pong)
        case .logout:
            server.registry.unregister(session)
            server.metrics.sessions.decrement()
            closeQuietly()
        case .login:
            kick(.protocolError, reason: "a second LOGIN on a logged-in connection")
        case .loginAck, .sendAck, .deliver, .pong, .kick:
            kick(.protocolError, reason: "\(frame.message.type.name) is sent by servers, not clients")
        }
    }

    // MARK: Writing

    /// Encodes a message into this connection's outbound batch; the loop writes the batch and
    /// flushes once per iteration (`LoopContext.flushSoon`).
    ///
    /// Every message of an iteration goes out as one buffer in one pipeline write: one
    /// allocation and at most one promise per connection per iteration instead of per message.
    /// The encoding happens here, not in a MessageToByteHandler, because a `CMPMessage` passed
    /// through the pipeline is boxed and cast back per handler. `promise` learns when the batch
    /// holding the message reached the kernel.
    func write(_ message: CMPMessage, promise: EventLoopPromise<Void>? = nil) {
        guard encode(message) else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if let promise { outboundWaiters.append(.promise(promise)) }
    }

    /// A DELIVER whose tracker hears when it was written into the kernel (or failed).
    func write(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        guard encode(.deliver(deliver)) else {
            return tracker.finished(written: false, toRecipient: toRecipient)
        }
        outboundWaiters.append(.tracker(tracker, toRecipient: toRecipient))
    }

    private func encode(_ message: CMPMessage) -> Bool {
        guard let context else { return false }
        loop.metrics.sent(message.type)
        if outbound.capacity == 0 { outbound = context.channel.allocator.buffer(capacity: 512) }
        do {
            try CMPEncoder.encode(message, into: &outbound)
        } catch {
            // The server encodes only what it built; a message over the format's limits is a bug.
            logger.error("cannot encode \(message.type.name): \(error)")
            return false
        }
        loop.flushSoon(self)
        return true
    }

    var channelEventLoop: (any EventLoop)? { context?.eventLoop }

    /// Writes the batch and flushes; whoever waits on a message of it learns the outcome.
    func flushNow() {
        guard let context, outbound.readableBytes > 0 else { return }
        let batch = outbound
        outbound = ByteBuffer()
        let waiters = outboundWaiters
        outboundWaiters.removeAll(keepingCapacity: true)
        guard !waiters.isEmpty else {
            context.writeAndFlush(wrapOutboundOut(batch), promise: nil)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(batch), promise: written)
        written.futureResult.assumeIsolated().whenComplete { result in
            for waiter in waiters { waiter.complete(result) }
        }
    }

    /// The connection closed with a batch not yet written: its waiters learn it never will be.
    private func failOutbound() {
        let waiters = outboundWaiters
        outboundWaiters.removeAll()
        outbound.clear()
        for waiter in waiters { waiter.complete(.failure(ChannelError.ioOnClosedChannel)) }
    }

    var bufferedBytes: Int {
        guard let channel = context?.channel else { return 0 }
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }

    // MARK: Idle and login timers

    func armIdleTimer(keepAlive: UInt16) {
        // The spec: silent for the keep-alive plus half of it.
        keepAliveLimit = .milliseconds(Int64(keepAlive) * 1500)
        scheduleIdleCheck(at: lastActivity + keepAliveLimit)
    }

    private func scheduleIdleCheck(at deadline: NIODeadline) {
        guard let context else { return }
        // One timer per connection, re-armed only when it fires, so reads cost no timer work.
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            guard case .loggedIn = state else { return }
            let due = lastActivity + keepAliveLimit
            if due <= context.eventLoop.now {
                kick(.idleTimeout, reason: "silent for \(keepAliveLimit.nanoseconds / 1_000_000_000) s")
            } else {
                scheduleIdleCheck(at: due)
            }
        }
    }

    func cancelLoginTimer() {
        loginTimer?.cancel()
        loginTimer = nil
    }

    // MARK: Ending

    /// Writes `KICK reason` and closes once it is out (or after two seconds if the client does
    /// not read): the last thing the client hears says why.
    func kick(_ reason: CMPResultCode, reason text: String?) {
        guard let context else { return }
        if case .ending = state { return }
        if case .loggedIn(let session) = state {
            server.registry.unregister(session)
            server.metrics.sessions.decrement()
        }
        state = .ending
        loop.metrics.kick(reason)
        var extensions = CMPExtensions(reasonString: text)
        if reason == .serverShutdown { extensions.reconnectDelay = server.reconnectDelayMilliseconds }
        writeFinal(.kick(CMPKick(reason: reason, extensions: extensions)))
    }

    /// Writes the last message of the connection, then closes it the lingering way: our side
    /// first (FIN), reading and discarding whatever the client still sends until it closes too,
    /// for at most two seconds. Closing with unread bytes in the kernel would send a RST, and a
    /// RST makes the client's kernel drop the KICK it has not read yet: the one message that
    /// says why.
    func writeFinal(_ message: CMPMessage) {
        guard let context else { return }
        state = .ending
        let written = context.eventLoop.makePromise(of: Void.self)
        write(message, promise: written)
        let channel = context.channel
        written.futureResult.assumeIsolated().whenComplete { _ in
            channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            // TLS and some transports cannot half-close: then close outright.
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }

    func enterLoggedIn(_ session: SessionHandle) {
        state = .loggedIn(session)
    }

    func closeQuietly() {
        state = .ending
        context?.close(promise: nil)
    }

    // MARK: Drain

    /// SIGTERM: read nothing more; once this connection's own SENDs are answered, KICK
    /// `server-shutdown` and close.
    func beginDrain() {
        guard let context else { return }
        draining = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        switch state {
        case .awaitingLogin: kick(.serverShutdown, reason: "server shutting down")
        case .loggedIn: if pendingAcks == 0 { kick(.serverShutdown, reason: "server shutting down") }
        case .ending: break
        }
    }

    // MARK: Acknowledgements (called by routing)

    func sendStarted() { pendingAcks += 1 }

    func acknowledge(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64) {
        pendingAcks -= 1
        loop.metrics.send(result)
        guard context != nil else { return }
        guard case .loggedIn = state else { return }
        write(.sendAck(CMPSendAck(messageID: clientMessageID, result: result, serverMessageID: serverMessageID)))
        if draining, pendingAcks == 0, case .loggedIn = state {
            kick(.serverShutdown, reason: "server shutting down")
        }
    }

    /// A SEND answered at once (rejected, or stored offline).
    func answerSend(_ clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64 = 0, reason: String? = nil) {
        loop.metrics.send(result)
        write(.sendAck(CMPSendAck(
            messageID: clientMessageID, result: result, serverMessageID: serverMessageID,
            extensions: CMPExtensions(reasonString: reason))))
    }
}

/// Who waits for a message of an outbound batch.
enum OutboundWaiter {
    case promise(EventLoopPromise<Void>)
    case tracker(DeliveryTracker, toRecipient: Bool)

    func complete(_ result: Result<Void, any Error>) {
        switch (self, result) {
        case (.promise(let promise), _): promise.completeWith(result)
        case (.tracker(let tracker, let toRecipient), .success): tracker.finished(written: true, toRecipient: toRecipient)
        case (.tracker(let tracker, let toRecipient), .failure): tracker.finished(written: false, toRecipient: toRecipient)
        }
    }
}
