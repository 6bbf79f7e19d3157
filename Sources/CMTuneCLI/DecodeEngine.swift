import Capture

/// Packets in, lines or statistics out through a `DecodeOutput`: sharded over decoding threads
/// when there are several (`ShardedDecode`), else on the calling thread (`DecodePipeline`).
/// What `decode` (files) and `capture` (live) share.
final class DecodeEngine {
    private let output: DecodeOutput
    private let pipeline: DecodePipeline?
    private let sharded: ShardedDecode?
    /// `sharded`, unmanaged (`sharded` keeps it), for each packet: unwrapping the optional
    /// reference cost a retain and a release per packet on the reading thread.
    private let shardedPerPacket: Unmanaged<ShardedDecode>?

    /// `threads` decoding threads; one (or threads the system would not start) decodes on the
    /// calling thread.
    init(options: DecodePipeline.Options, output: DecodeOutput, threads: Int) {
        self.output = output
        if threads > 1, let sharded = ShardedDecode(options: options, format: output.format, threads: threads, output: output.stream) {
            self.sharded = sharded
            shardedPerPacket = Unmanaged.passUnretained(sharded)
            pipeline = nil
        } else {
            let pipeline = DecodePipeline(options: options) { [output] in output.emit($0) }
            output.nameClients { [unowned pipeline] in pipeline.client(of: $0) }
            self.pipeline = pipeline
            sharded = nil
            shardedPerPacket = nil
        }
    }

    func process(_ packet: CapturedPacket) {
        if let sharded = shardedPerPacket {
            sharded._withUnsafeGuaranteedRef { $0.process(packet) }
        } else if let pipeline {
            if pipeline.packetsRead == 0 { output.startClock(at: packet.timestamp) }
            pipeline.process(packet)
        }
    }

    /// Writes out the lines of everything processed so far (a live capture, waiting for traffic).
    func flush() {
        sharded?.flush()
        output.flush()
    }

    /// End of input: the connections still open are closed and every line written.
    func finish() {
        sharded?.finish()
        pipeline?.finish()
        output.finish()
    }

    /// The summary, when statistics were counted (after `finish`).
    var report: StatisticsReport? {
        if let sharded { return StatisticsReport(sharded: sharded) }
        guard let pipeline, pipeline.options.collectStatistics else { return nil }
        return StatisticsReport(pipeline: pipeline)
    }
}
