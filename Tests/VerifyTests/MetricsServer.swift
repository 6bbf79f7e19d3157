import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny HTTP server on SwiftNIO for the scrape tests: it answers every request the way its
/// `Answer` says, on 127.0.0.1 and a port the kernel chose (read back, so nothing collides).
final class MetricsServer {
    enum Answer: Sendable {
        /// 200 with a Content-Length body.
        case sized(String)
        /// 200 with a chunked body, sent in these pieces.
        case chunked([String])
        case status(HTTPResponseStatus)
        /// Reads the request and never answers.
        case silence
    }

    let channel: any Channel
    var port: Int { channel.localAddress!.port! }
    var url: String { "http://127.0.0.1:\(port)/metrics" }

    /// Binds to `address` (127.0.0.1:0 unless given); `bind` may wrap the bind, e.g. to make the
    /// listening socket inside a network namespace.
    init(
        group: any EventLoopGroup, answer: Answer, address: SocketAddress? = nil,
        bind: (() -> EventLoopFuture<any Channel>) -> EventLoopFuture<any Channel> = { $0() }
    ) throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(answer: answer))
                }
            }
        let target = try address ?? SocketAddress(ipAddress: "127.0.0.1", port: 0)
        channel = try bind { bootstrap.bind(to: target) }.wait()
    }

    func close() {
        try? channel.close().wait()
    }
}

private final class Responder: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let answer: MetricsServer.Answer

    init(answer: MetricsServer.Answer) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        switch answer {
        case .silence:
            return
        case .sized(let body):
            head.headers.add(name: "Content-Length", value: String(body.utf8.count))
            head.headers.add(name: "Content-Type", value: "text/plain; version=0.0.4")
            write(context, head: head, parts: [body])
        case .chunked(let parts):
            head.headers.add(name: "Transfer-Encoding", value: "chunked")
            write(context, head: head, parts: parts)
        case .status(let status):
            head.status = status
            head.headers.add(name: "Content-Length", value: "0")
            write(context, head: head, parts: [])
        }
    }

    private func write(_ context: ChannelHandlerContext, head: HTTPResponseHead, parts: [String]) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        for part in parts {
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: part)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
