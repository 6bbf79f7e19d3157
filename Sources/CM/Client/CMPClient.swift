import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Wire

/// A CMP client connection, over TCP or WebSocket, with an async interface: for tests, smoke
/// checks and tools that talk to a CM one conversation at a time. (The load generator drives
/// thousands of connections with its own handlers.)
public final class CMPClient: Sendable {
    public let channel: any Channel
    private let inbox: Inbox

    public struct ClientError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Connects to `address` (`tcp://` or `ws://`; the path of a `ws://` address is requested
    /// with subprotocol `cmp`). `sourceAddress` binds the local side (to spread source IPs).
    /// A `tls://` or `wss://` address is spoken inside TLS, with `tls` (the default one checks
    /// the server's certificate against the system's roots).
    public static func connect(
        to address: ListenAddress, on group: any EventLoopGroup, sourceAddress: String? = nil, maxFrame: Int = 16 << 20,
        tls: TLSConfiguration = .makeClientConfiguration()
    ) async throws -> CMPClient {
        let inbox = Inbox()
        let transport = try CMPClientTransport(address: address, tls: tls, maxFrame: maxFrame)
        var bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
        if let sourceAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0)) }
        let upgraded = group.next().makePromise(of: Void.self)
        let channel = try await bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try transport.configure(channel, ready: upgraded) { channel in
                    try Self.addCMPHandlers(to: channel, inbox: inbox, maxFrame: maxFrame)
                }
            }
        }.connect(host: address.host, port: address.port).get()
        transport.start(channel)
        do {
            try await upgraded.futureResult.get()
        } catch {
            try? await channel.close()
            throw ClientError(description: "WebSocket upgrade to \(address) refused: \(error)")
        }
        return CMPClient(channel: channel, inbox: inbox)
    }

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    private static func addCMPHandlers(to channel: any Channel, inbox: Inbox, maxFrame: Int) throws {
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ByteToMessageHandler(CMPDecoder(maximumMessageSize: maxFrame)))
        try operations.addHandler(MessageToByteHandler(CMPMessageEncoder()))
        try operations.addHandler(InboxHandler(inbox: inbox))
    }

    public func send(_ message: CMPMessage) async throws {
        try await channel.writeAndFlush(message)
    }

    /// The next message from the server; nil once the connection is closed and everything
    /// before the close was read. Throws on timeout or a decode error.
    public func next(timeout: TimeAmount = .seconds(10)) async throws -> CMPFrame? {
        try await inbox.next(on: channel.eventLoop, timeout: timeout)
    }

    /// LOGIN and its LOGIN_ACK.
    public func login(user: String, device: String, token: String, keepAlive: UInt16 = 0) async throws -> CMPLoginAck {
        do {
            try await send(.login(CMPLogin(keepAlive: keepAlive, user: user, device: device, token: token)))
        } catch {
            // The server may have refused the connection (KICK, then close) before the LOGIN
            // went out: say why rather than "I/O on closed channel".
            if let frame = try? await next(timeout: .milliseconds(100)), case .kick(let kick) = frame.message {
                throw ClientError(description: "kicked before LOGIN: \(kick.reason.name)")
            }
            throw ClientError(description: "cannot send LOGIN: \(error)")
        }
        guard let frame = try await next() else { throw ClientError(description: "connection closed before LOGIN_ACK") }
        guard case .loginAck(let ack) = frame.message else {
            throw ClientError(description: "expected LOGIN_ACK, got \(frame.message.type.name)")
        }
        return ack
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Frames from the server, waiting for `next()`. Handlers push on the channel's loop; readers
/// wait on futures of that loop.
final class Inbox: Sendable {
    private struct State {
        var frames: [Result<CMPFrame?, any Error>] = []
        var waiters: [EventLoopPromise<CMPFrame?>] = []
        var closed = false
    }

    private let state = NIOLockedValueBox(State())

    func push(_ item: Result<CMPFrame?, any Error>) {
        let waiter: EventLoopPromise<CMPFrame?>? = state.withLockedValue { state in
            if state.closed { return nil }
            if case .success(nil) = item { state.closed = true }
            if state.waiters.isEmpty {
                state.frames.append(item)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.completeWith(item)
        if case .success(nil) = item {
            // Everyone still waiting learns the connection is gone.
            let rest = state.withLockedValue { state in
                defer { state.waiters.removeAll() }
                return state.waiters
            }
            for waiter in rest { waiter.succeed(nil) }
        }
    }

    func next(on eventLoop: any EventLoop, timeout: TimeAmount) async throws -> CMPFrame? {
        let promise = eventLoop.makePromise(of: CMPFrame?.self)
        let ready: Result<CMPFrame?, any Error>? = state.withLockedValue { state in
            if !state.frames.isEmpty { return state.frames.removeFirst() }
            if state.closed { return .success(nil) }
            state.waiters.append(promise)
            return nil
        }
        if let ready {
            promise.completeWith(ready)
        } else {
            let timer = eventLoop.scheduleTask(in: timeout) {
                promise.fail(CMPClient.ClientError(description: "no message from the server within \(timeout.nanoseconds / 1_000_000) ms"))
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
        }
        return try await promise.futureResult.get()
    }
}

/// Hands what the server sends to the inbox.
final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = CMPFrame
    private let inbox: Inbox

    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.push(.success(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.push(.success(nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        inbox.push(.failure(error))
        context.close(promise: nil)
    }
}
