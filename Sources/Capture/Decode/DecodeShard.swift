import Dispatch

/// A thread that decodes and formats one share of a capture's connections (`ShardedDecode`):
/// it takes the rounds' batches in order from a ring, and signals each one done.
///
/// The semaphores order every access: the reading thread fills a batch, then signals
/// `submitted`; this thread decodes it, then signals `decoded`; the reading thread waits for
/// that before it reads the lines or fills the batch again. On the way no object is touched by
/// both threads, so no reference count or cache line moves between cores per message.
final class DecodeShard: @unchecked Sendable {
    /// Where the decoder's lines go while a batch is decoded: an object of this thread's
    /// alone, captured by the decoder (reaching the batch through `self` would count
    /// references to an object the reading thread uses too).
    private final class LineSink {
        @exclusivity(unchecked) var lines = JSONLineBuilder(capacity: 1 << 16)
    }

    private let decoder: StreamDecoder
    private let writer: EventLineWriter
    private let sink = LineSink()
    /// The ring of batches the reading thread fills; round r uses `ring[r % ring.count]`.
    private let ring: [ShardBatch]
    @exclusivity(unchecked) private var current = 0
    @exclusivity(unchecked) private var stopping = false
    private let submitted = DispatchSemaphore(value: 0)
    private let decoded = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    init(options: DecodePipeline.Options, format: EventLineWriter.Format, ring: [ShardBatch]) {
        self.ring = ring
        let writer = EventLineWriter(format: format)
        let sink = sink
        decoder = StreamDecoder(options: options) { writer.write($0, into: &sink.lines) }
        writer.nameClients { [unowned decoder] in decoder.client(of: $0) }
        self.writer = writer
    }

    /// Before the first batch: text times count from the capture's first packet.
    func startClock(at timestamp: CaptureTimestamp) {
        writer.startClock(at: timestamp)
    }

    /// Starts the shard's thread; false when the system has no thread to give.
    func start() -> Bool {
        DecodeThread.start { [self] in run() }
    }

    private func run() {
        let decoder = decoder
        let sink = sink
        while true {
            submitted.wait()
            if stopping { break }
            let batch = ring[current]
            for index in 0..<batch.inputs.count {
                let (event, now) = batch.event(index)
                decoder.handle(event, now: now ?? CaptureTimestamp(seconds: 0, nanoseconds: 0))
                batch.ends.append(sink.lines.count)
            }
            // The lines go to the batch; the sink takes the batch's emptied builder for the next.
            swap(&sink.lines, &batch.lines)
            current = (current + 1) % ring.count
            decoded.signal()
        }
        exited.signal()
    }

    /// The batch of the next round is filled.
    func submit() {
        submitted.signal()
    }

    /// Blocks until the oldest round submitted and not yet waited for is decoded.
    func waitForRound() {
        decoded.wait()
    }

    /// Ends the thread and waits for it; every round submitted must have been waited for.
    func stop() {
        stopping = true
        submitted.signal()
        exited.wait()
    }
}
