import NIOCore
import NIOHTTP1

/// Answers plain HTTP requests that did not upgrade: on a WebSocket listener, what anything
/// other than a `cmp` WebSocket gets; on the metrics listener, `/metrics` and `/healthz`.
final class PlainHTTPResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// (status, content type, body) for a request path.
    typealias Route = @Sendable (String) -> (HTTPResponseStatus, String, [UInt8])

    private let route: Route
    private var head: HTTPRequestHead?

    init(route: @escaping Route) {
        self.route = route
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
            let (status, contentType, body) =
                head.method == .GET || head.method == .HEAD
                ? route(path) : (.methodNotAllowed, "text/plain", Array("GET only\n".utf8))
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: contentType)
            headers.add(name: "Content-Length", value: String(body.count))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
