import NIOCore
import Wire

/// Writing: messages are encoded into the connection's `OutboundBatch`, and the loop writes
/// the batch and flushes once per iteration (`LoopContext.flushSoon`).
extension ConnectionHandler {
    /// Queues `message`; `promise` learns when the batch holding it reached the kernel.
    func write(_ message: CMPMessage, promise: EventLoopPromise<Void>? = nil) {
        guard encode(message) else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        if let promise { outbound.addWaiter(.promise(promise)) }
    }

    /// A DELIVER whose tracker hears when it was written into the kernel (or failed).
    func write(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        guard encode(.deliver(deliver)) else {
            return tracker.finished(written: false, toRecipient: toRecipient)
        }
        outbound.addWaiter(.tracker(tracker, toRecipient: toRecipient))
    }

    private func encode(_ message: CMPMessage) -> Bool {
        guard let context else { return false }
        loop.metrics.sent(message.type)
        do {
            try outbound.append(message, allocator: context.channel.allocator)
        } catch {
            // The server encodes only what it built; a message over the format's limits is a bug.
            logger.error("cannot encode \(message.type.name): \(error)")
            return false
        }
        loop.flushSoon(self)
        return true
    }

    /// Writes the batch and flushes; whoever waits on a message of it learns the outcome.
    func flushNow() {
        guard let context, !outbound.isEmpty else { return }
        let (batch, waiters) = outbound.take()
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

    var bufferedBytes: Int {
        guard let channel = context?.channel else { return 0 }
        return (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
    }
}
