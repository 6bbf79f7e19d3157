import Capture

/// A whole decode, as `cmtune decode` (files) and `cmtune capture` (live) both run it: packets
/// in, lines or statistics out to one stream, on several threads (`ShardedDecode`, each a share
/// of the connections) or on the calling thread (`DecodePipeline`). The output is the same
/// either way; the caller only feeds packets, flushes when it waits, and finishes.
public final class DecodeSession {
    public let options: DecodePipeline.Options
    /// The format of the lines; nil for statistics only.
    public let format: EventLineWriter.Format?
    private let output: OutputStream
    private let sharded: ShardedDecode?
    private let pipeline: DecodePipeline?
    /// The lines of a decode on the calling thread, on their way to `output`.
    private let lines: LineCollector?

    /// `threads` above 1 decodes on that many threads besides the caller's, which reads; 1 on the
    /// calling thread. `format` nil: statistics only (`options` must collect them).
    public init(options: DecodePipeline.Options, format: EventLineWriter.Format?, threads: Int, output: OutputStream) {
        self.options = options
        self.format = format
        self.output = output
        if threads > 1 {
            sharded = ShardedDecode(options: options, format: format, threads: threads, output: output)
            pipeline = nil
            lines = nil
        } else {
            let lines = format.map { LineCollector(format: $0, output: output) }
            let pipeline = DecodePipeline(options: options) { lines?.add($0) }
            lines?.writer.nameClients { [unowned pipeline] in pipeline.client(of: $0) }
            self.lines = lines
            self.pipeline = pipeline
            sharded = nil
        }
    }

    public var packetsRead: Int { sharded?.packetsRead ?? pipeline?.packetsRead ?? 0 }

    public func process(_ packet: CapturedPacket) {
        if let sharded {
            sharded.process(packet)
        } else if let pipeline {
            if pipeline.packetsRead == 0 { lines?.writer.startClock(at: packet.timestamp) }
            pipeline.process(packet)
        }
    }

    /// Writes out the lines of everything processed so far (a live capture, waiting for traffic).
    public func flush() {
        sharded?.flush()
        lines?.flush()
        output.flush()
    }

    /// End of input: the connections still open are closed and every line written.
    public func finish() {
        sharded?.finish()
        pipeline?.finish()
        lines?.flush()
        output.flush()
    }

    /// The summary, when statistics were counted (after `finish`).
    public var report: StatisticsReport? {
        if let sharded { return StatisticsReport(sharded: sharded) }
        guard let pipeline, options.collectStatistics else { return nil }
        return StatisticsReport(pipeline: pipeline)
    }
}

/// Lines of a decode on one thread: they accumulate in a builder and go out 64 KiB at a time,
/// straight from its memory.
private final class LineCollector {
    let writer: EventLineWriter
    private let output: OutputStream
    /// Unchecked: one thread writes lines, never re-entrantly, and the runtime's exclusivity
    /// check cost a tenth of the line's own formatting (as in `ShardBatch`).
    @exclusivity(unchecked) private var lines = JSONLineBuilder()

    init(format: EventLineWriter.Format, output: OutputStream) {
        writer = EventLineWriter(format: format)
        self.output = output
    }

    func add(_ event: DecodeEvent) {
        writer.write(event, into: &lines)
        if lines.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !lines.isEmpty else { return }
        lines.withUnsafeBytes { output.write(block: $0) }
        lines.removeAll()
    }
}
