import Capture

/// One share of a capture's connections in a sharded decode (`ShardedDecode`): their decoder
/// and line writer, and the ring of batches the reading thread fills for it. Any thread may
/// decode a round of it, one at a time and in order (`ShardSchedule` sees to both), so the
/// state here needs no lock of its own.
final class DecodeShard: @unchecked Sendable {
    /// Where the decoder's lines go while a batch is decoded: an object the decoder captures
    /// (reaching the batch through `self` would count references to an object the reading
    /// thread uses too, per message).
    private final class LineSink {
        @exclusivity(unchecked) var lines = JSONLineBuilder(capacity: 1 << 16)
    }

    let decoder: StreamDecoder
    /// nil when counting statistics: no lines.
    private let writer: EventLineWriter?
    private let sink = LineSink()
    /// The ring of batches the reading thread fills; round r uses `ring[r % ring.count]`.
    private let ring: [ShardBatch]

    init(options: DecodePipeline.Options, format: EventLineWriter.Format?, ring: [ShardBatch]) {
        self.ring = ring
        guard let format else {
            decoder = StreamDecoder(options: options) { _ in }
            writer = nil
            return
        }
        let writer = EventLineWriter(format: format)
        let sink = sink
        decoder = StreamDecoder(options: options) { writer.write($0, into: &sink.lines) }
        writer.nameClients { [unowned decoder] in decoder.client(of: $0) }
        self.writer = writer
    }

    /// Before the first round: text times count from the capture's first packet.
    func startClock(at timestamp: CaptureTimestamp) {
        writer?.startClock(at: timestamp)
    }

    /// Decodes the batch of `round`, leaving its lines in the batch.
    func decode(round: Int) {
        let batch = ring[round % ring.count]
        // Room for about the lines the round will make, taken before any is written: grown by
        // doubling as lines came, the builder copied a third of the output again. A round's
        // lines rarely pass twice its bytes plus 512 per stream event (bench/README.md).
        if writer != nil { sink.lines.reserveCapacity(2 * batch.byteCount + 512 * batch.inputs.count) }
        for index in 0..<batch.inputs.count {
            let (event, now) = batch.event(index)
            decoder.handle(event, now: now ?? CaptureTimestamp(seconds: 0, nanoseconds: 0), sequence: batch.sequences[index])
            batch.ends.append(sink.lines.count)
        }
        // The lines go to the batch; the sink takes the batch's emptied builder for the next.
        swap(&sink.lines, &batch.lines)
    }
}
