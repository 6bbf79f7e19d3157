import NIOCore
import Wire

/// The messages a connection encoded since its last flush, and who waits for them.
///
/// Every message of a loop iteration goes out as one buffer in one pipeline write: one
/// allocation and at most one promise per connection per iteration instead of per message.
/// The encoding happens here, not in a MessageToByteHandler, because a `CMPMessage` passed
/// through the pipeline is boxed and cast back per handler.
struct OutboundBatch {
    private var bytes = ByteBuffer()
    private var waiters: [OutboundWaiter] = []

    var isEmpty: Bool { bytes.readableBytes == 0 }

    /// Encodes `message` at the end of the batch. The allocator is asked for only when the
    /// batch starts (reaching it through the channel costs a witness call per message).
    mutating func append(_ message: CMPMessage, allocator: @autoclosure () -> ByteBufferAllocator) throws {
        if bytes.capacity == 0 { bytes = allocator().buffer(capacity: 512) }
        try CMPEncoder.encode(message, into: &bytes)
    }

    /// `waiter` learns the outcome of the write that carries the last appended message.
    mutating func addWaiter(_ waiter: OutboundWaiter) {
        waiters.append(waiter)
    }

    /// The bytes to write and who waits for them; the batch starts again empty.
    mutating func take() -> (bytes: ByteBuffer, waiters: [OutboundWaiter]) {
        let batch = bytes
        bytes = ByteBuffer()
        let taken = waiters
        waiters.removeAll(keepingCapacity: true)
        return (batch, taken)
    }

    /// The connection closed with the batch unwritten: its waiters learn it never will be.
    mutating func fail() {
        let taken = waiters
        waiters.removeAll()
        bytes.clear()
        for waiter in taken { waiter.complete(.failure(ChannelError.ioOnClosedChannel)) }
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
