import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import Wire

/// The client side of a CMP transport, shared by `CMPClient` and the load generator: optional
/// TLS, then either CMP straight on the stream or a WebSocket upgrade (subprotocol `cmp`) first.
/// The caller adds its own CMP handlers in `addHandlers`, called once bytes are CMP.
public struct CMPClientTransport: Sendable {
    public let address: ListenAddress
    public let tlsContext: NIOSSLContext?
    public let maxFrame: Int

    public init(address: ListenAddress, tls: TLSConfiguration = .makeClientConfiguration(), maxFrame: Int = 16 << 20) throws {
        self.address = address
        self.maxFrame = maxFrame
        tlsContext = address.requiresTLS ? try NIOSSLContext(configuration: tls) : nil
    }

    /// For `ClientBootstrap.channelInitializer`: builds the pipeline; `ready` succeeds once the
    /// channel speaks CMP (at once for TCP, after the 101 for WebSocket) and fails when the
    /// server refuses the upgrade.
    public func configure(
        _ channel: any Channel, ready: EventLoopPromise<Void>,
        addHandlers: @escaping @Sendable (any Channel) throws -> Void
    ) throws {
        let operations = channel.pipeline.syncOperations
        if let tlsContext {
            // SNI only for names: an IP literal is not a valid server name.
            let isIP = (try? SocketAddress(ipAddress: address.host, port: 0)) != nil
            try operations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: isIP ? nil : address.host))
        }
        switch address.transport {
        case .tcp:
            try addHandlers(channel)
            ready.succeed(())
        case .webSocket:
            let catcher = UpgradeFailureCatcher(upgraded: ready)
            let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrame + 16) { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    // Upgraded: HTTP is over, and the catcher expects HTTP parts.
                    channel.pipeline.removeHandler(name: "cmp-upgrade-catcher", promise: nil)
                    try channel.pipeline.syncOperations.addHandler(WebSocketBridge(masksFrames: true))
                    try addHandlers(channel)
                    ready.succeed(())
                }
            }
            try operations.addHTTPClientHandlers(withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            try operations.addHandler(catcher, name: "cmp-upgrade-catcher")
        }
    }

    /// After connecting: the upgrade request for a WebSocket address; nothing for TCP.
    public func start(_ channel: any Channel) {
        guard address.transport == .webSocket else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(address.host):\(address.port)")
        headers.add(name: "Sec-WebSocket-Protocol", value: "cmp")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: address.path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }
}

/// Fails the upgrade promise when the server refuses the WebSocket (or the connection drops
/// before it answers), so a client does not wait forever.
final class UpgradeFailureCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let upgraded: EventLoopPromise<Void>

    init(upgraded: EventLoopPromise<Void>) { self.upgraded = upgraded }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            upgraded.fail(CMPClient.ClientError(description: "HTTP \(head.status.code) \(head.status.reasonPhrase)"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        upgraded.fail(CMPClient.ClientError(description: "connection closed before the WebSocket upgrade"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        upgraded.fail(error)
        context.close(promise: nil)
    }
}
