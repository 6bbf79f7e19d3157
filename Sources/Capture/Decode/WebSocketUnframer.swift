import NIOCore
import NIOEmbedded
import NIOWebSocket

/// RFC 6455 frames out of one direction's bytes, cut by the frame decoder the CM itself uses
/// (NIOWebSocket's `WebSocketFrameDecoder`), so what the capture shows is what the CM reads.
///
/// That decoder is a channel handler; an embedded channel runs it without sockets or threads.
/// Its limits hold here too: a frame over `maximumFrameSize`, a fragmented or long control
/// frame is an error, after which the unframer takes no more bytes.
final class WebSocketUnframer {
    private let channel: EmbeddedChannel

    init(maximumFrameSize: Int) {
        channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: min(maximumFrameSize, Int(UInt32.max)))))
    }

    deinit { _ = try? channel.finish(acceptAlreadyClosed: true) }

    /// The frames `bytes` complete, in order, and the codec's error when a frame is broken (the
    /// frames before it are still returned).
    func push(_ bytes: ArraySlice<UInt8>) -> (frames: [WebSocketFrame], error: (any Error)?) {
        var buffer = channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        var failure: (any Error)?
        do {
            try channel.writeInbound(buffer)
        } catch {
            failure = error
        }
        var frames: [WebSocketFrame] = []
        while let frame = try? channel.readInbound(as: WebSocketFrame.self) { frames.append(frame) }
        return (frames, failure)
    }
}
