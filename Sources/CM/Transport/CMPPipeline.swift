import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import Wire

/// How a freshly accepted connection's pipeline is built, per transport. The CMP part is the
/// same everywhere: TLS (optional) -> [WebSocket] -> CMP decoder/encoder -> ConnectionHandler.
struct CMPPipeline: Sendable {
    let server: ServerContext
    let loop: NIOLoopBound<LoopContext>
    let tls: NIOSSLContext?
    let listener: ListenAddress

    func configure(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let operations = channel.pipeline.syncOperations
            if let tls { try operations.addHandler(NIOSSLServerHandler(context: tls)) }
            switch listener.transport {
            case .tcp:
                try addCMPHandlers(to: channel)
            case .webSocket:
                try configureWebSocket(channel)
            }
        }
    }

    private func addCMPHandlers(to channel: any Channel) throws {
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(ConnectionHandler(server: server, loop: loop.value))
    }

    private func configureWebSocket(_ channel: any Channel) throws {
        let path = listener.path
        let pipeline = self
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: server.limits.maxFrame + 16,
            shouldUpgrade: { channel, head in
                let requestPath = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
                let offered: [String] = head.headers["Sec-WebSocket-Protocol"]
                    .flatMap { $0.split(separator: ",") }
                    .map { $0.trimmingSpaces }
                guard requestPath == path, offered.contains("cmp") else { return channel.eventLoop.makeSucceededFuture(nil) }
                return channel.eventLoop.makeSucceededFuture(HTTPHeaders([("Sec-WebSocket-Protocol", "cmp")]))
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketBridge())
                    try pipeline.addCMPHandlers(to: channel)
                }
            })
        let responder = PlainHTTPResponder { requestPath in
            requestPath == path
                ? (.upgradeRequired, "text/plain", Array("this is a CMP WebSocket endpoint: upgrade with subprotocol cmp\n".utf8))
                : (.notFound, "text/plain", Array("not found; the CMP WebSocket endpoint is \(path)\n".utf8))
        }
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (
                upgraders: [upgrader],
                completionHandler: { context in
                    context.pipeline.removeHandler(name: "cmp-http-responder", promise: nil)
                }
            ))
        try channel.pipeline.syncOperations.addHandler(responder, name: "cmp-http-responder")
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
