import NIOCore

/// What one event loop owns: its connections, its metrics, and the flushes it owes. Touched only
/// on its loop, so nothing in it needs a lock.
final class LoopContext {
    let index: Int
    let eventLoop: any EventLoop
    let metrics: LoopMetrics
    /// Every open connection of this loop, for drain and for the write-buffer gauge.
    private(set) var connections: [ObjectIdentifier: ConnectionHandler] = [:]
    /// Connections written to since the last flush. Flushing once per loop iteration instead of
    /// once per message turns a burst of deliveries into one write syscall per connection.
    private var flushQueue: [ConnectionHandler] = []
    private var flushScheduled = false
    private var flushing: [ConnectionHandler] = []

    init(index: Int, eventLoop: any EventLoop, metrics: LoopMetrics) {
        self.index = index
        self.eventLoop = eventLoop
        self.metrics = metrics
    }

    func opened(_ connection: ConnectionHandler) {
        connections[ObjectIdentifier(connection)] = connection
        metrics.connections.set(Int64(connections.count))
    }

    func closed(_ connection: ConnectionHandler) {
        connections[ObjectIdentifier(connection)] = nil
        metrics.connections.set(Int64(connections.count))
    }

    /// Flushes `connection` after the I/O of this loop iteration has been handled (tasks run
    /// after the selector's events in each iteration).
    func flushSoon(_ connection: ConnectionHandler) {
        guard !connection.flushPending else { return }
        connection.flushPending = true
        flushQueue.append(connection)
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.assumeIsolated().execute { self.flushAll() }
    }

    private func flushAll() {
        flushScheduled = false
        // Swap with a spare array rather than copy: no allocation per iteration.
        swap(&flushQueue, &flushing)
        for connection in flushing {
            connection.flushPending = false
            connection.flushNow()
        }
        flushing.removeAll(keepingCapacity: true)
    }

    /// Bytes queued in user space towards the clients of this loop, for the metrics.
    func bufferedBytes() -> Int {
        connections.values.reduce(0) { $0 + $1.bufferedBytes }
    }
}
