import NIOCore
import NIOHTTP1

/// Collects one HTTP response (NIOHTTP1's decoder has already undone Content-Length or chunked
/// framing) and completes the promise once: with the body on `.end`, or with the error that
/// ended the connection first.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let promise: EventLoopPromise<ByteBuffer>
    private let authority: String
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    init(promise: EventLoopPromise<ByteBuffer>, authority: String) {
        self.promise = promise
        self.authority = authority
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            if let head, head.status != .ok {
                promise.fail(HTTPGetError.status(Int(head.status.code), reason: head.status.reasonPhrase))
            } else {
                promise.succeed(body ?? ByteBuffer())
            }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(HTTPGetError.incomplete(address: authority, detail: "connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        promise.fail(HTTPGetError.incomplete(address: authority, detail: "\(error)"))
        context.close(promise: nil)
    }
}
