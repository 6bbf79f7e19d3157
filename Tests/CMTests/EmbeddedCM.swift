import Logging
import NIOCore
import NIOEmbedded
import Wire

@testable import CM

/// The CM's connection handling on an embedded loop: several client channels sharing one
/// server context (registry, limits, tokens), with time under the test's control.
final class EmbeddedCM {
    let loop = EmbeddedEventLoop()
    let server: ServerContext
    let loopContext: LoopContext
    let tokens = TokenAuthority(secret: Array("embedded-test-secret-0123456789".utf8))
    let metrics = CMMetrics(loopCount: 1)

    init(limits: CMLimits = CMLimits(), offlineStore: (any OfflineStore)? = nil) {
        server = ServerContext(
            limits: limits, tokens: tokens, registry: InMemorySessionRegistry(), offlineStore: offlineStore,
            metrics: metrics, logger: Logger(label: "cmtune.cm.test"), reconnectDelayMilliseconds: 500)
        loopContext = LoopContext(index: 0, eventLoop: loop, metrics: metrics.loops[0])
    }

    func connect(from address: String = "10.0.0.1", port: Int = 40000) throws -> EmbeddedClient {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(ConnectionHandler(server: server, loop: loopContext))
        try channel.connect(to: SocketAddress(ipAddress: address, port: port)).wait()
        return EmbeddedClient(channel: channel, loop: loop)
    }

    func token(_ user: String, device: String? = nil, validFor seconds: Int64 = 3600) -> String {
        tokens.mint(user: user, device: device, expiry: Int64(WallClock.seconds()) + seconds)
    }

    /// A client logged in as `user` from `device`.
    func loggedIn(_ user: String, device: String = "phone", from address: String = "10.0.0.1") throws -> EmbeddedClient {
        let client = try connect(from: address)
        try client.send(.login(CMPLogin(keepAlive: 30, user: user, device: device, token: token(user))))
        guard case .loginAck(let ack) = try client.received().first, ack.result == .success else {
            throw EmbeddedClient.Unexpected(description: "login of \(user) failed")
        }
        return client
    }
}

/// The client side of one embedded connection: encodes what it sends, decodes what the CM wrote.
final class EmbeddedClient {
    struct Unexpected: Error, CustomStringConvertible { var description: String }

    let channel: EmbeddedChannel
    let loop: EmbeddedEventLoop
    private var decoder = CMPDecoder()
    private var unread = ByteBuffer()

    init(channel: EmbeddedChannel, loop: EmbeddedEventLoop) {
        self.channel = channel
        self.loop = loop
    }

    func send(_ message: CMPMessage) throws {
        var buffer = ByteBuffer()
        try CMPEncoder.encode(message, into: &buffer)
        try sendRaw(buffer)
    }

    func sendRaw(_ buffer: ByteBuffer) throws {
        try channel.writeInbound(buffer)
        loop.run()
    }

    /// Everything the CM wrote to this client since the last call, after pending loop tasks
    /// (flushes, cross-connection deliveries) have run.
    func received() throws -> [CMPMessage] {
        loop.run()
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            unread.writeImmutableBuffer(bytes)
        }
        var messages: [CMPMessage] = []
        while let frame = try decoder.decode(buffer: &unread) {
            messages.append(frame.message)
        }
        return messages
    }

    var isActive: Bool { channel.isActive }
}

extension CMPMessage {
    var kickReason: CMPResultCode? {
        if case .kick(let kick) = self { return kick.reason }
        return nil
    }

    var sendAck: CMPSendAck? {
        if case .sendAck(let ack) = self { return ack }
        return nil
    }

    var deliver: CMPDeliver? {
        if case .deliver(let deliver) = self { return deliver }
        return nil
    }
}
