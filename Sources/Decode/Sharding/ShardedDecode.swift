import Capture
import Dispatch

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// A decode on several threads, with the output of one: connections are independent, so they
/// are dealt to shards (by connection id) whose events are decoded and formatted together, as
/// a flow-sharded IDS does. The calling thread reads packets and reassembles TCP, hands the
/// shards their events in rounds of a few thousand packets, and writes each round's lines back
/// in the order their events happened: the output is byte for byte the one of a decode on one
/// thread (`DecodePipeline` with an `EventLineWriter`). There are more shards than threads, and
/// a thread takes whichever shard has a round waiting (`ShardSchedule`).
///
/// With no line format it counts statistics (`--stats`) instead: each shard counts its
/// connections, and `statistics` merges the shares after `finish` as one decode would have
/// counted them (`DecodeStatistics.merged`).
public final class ShardedDecode {
    private let streams: CaptureStreams
    private let shards: [DecodeShard]
    private let schedule: ShardSchedule
    private let threads: Int
    /// The decoding threads' kernel ids, as they start.
    private let threadIDs = DecodeThreadIDs()
    /// Signalled by each decoding thread as it ends.
    private let exited = DispatchSemaphore(value: 0)
    /// The batches of each ring slot, by shard: the same objects the shards decode, reached
    /// without touching the shards (which their threads use).
    private let batches: [[ShardBatch]]
    /// The same batches, slot after slot: every stream event goes to one, and reaching it
    /// through the nested arrays cost two more reference counts on the reading thread.
    private let routeTargets: [ShardBatch]
    private let output: OutputStream
    private let roundPackets: Int
    private let ringSize: Int
    /// Per round in flight (by ring slot), which shard each stream event went to, in order.
    @exclusivity(unchecked) private var order: [[UInt8]]
    /// Rounds handed out so far, and rounds written out.
    @exclusivity(unchecked) private var submittedRounds = 0
    @exclusivity(unchecked) private var writtenRounds = 0
    @exclusivity(unchecked) private var packetsInRound = 0
    @exclusivity(unchecked) private var bytesInRound = 0
    @exclusivity(unchecked) private var finished = false
    /// Stream events dealt so far: each event's number, so that shards' statistics merge in
    /// capture order.
    @exclusivity(unchecked) private var eventsRouted = 0
    /// The capture's first and last packet times (every packet's, as `DecodePipeline` counts).
    @exclusivity(unchecked) private var span: DecodeStatistics
    /// The merged statistics, once finished (when counting statistics).
    @exclusivity(unchecked) public private(set) var statistics: DecodeStatistics?

    /// A round ends after this many copied stream bytes even when short of `roundPackets`: with
    /// the ring, it bounds what is in flight; this size kept two cores busiest (bench/README.md).
    static let roundBytes = 1 << 19

    /// Shards per decoding thread: enough that the busiest connections need not share one.
    static let shardsPerThread = 4
    /// Batches of all shards in the ring, by default: 4 rounds for 2 threads (at least 2 for
    /// more), so what is in flight does not grow with the thread count.
    static let batchesInFlight = 32

    /// `threads` decoding threads (at least 1, at most 63) besides the caller's, which reads.
    /// `format` nil: statistics, no lines (the options must collect them).
    public init(
        options: DecodePipeline.Options, format: EventLineWriter.Format?, threads: Int, output: OutputStream,
        roundPackets: Int = 4096, ringSize: Int? = nil
    ) {
        precondition(format != nil || options.collectStatistics, "a sharded decode writes lines or counts statistics")
        span = DecodeStatistics(topicLimit: options.maximumTopics)
        streams = CaptureStreams(limits: options.reassembly, serverPorts: options.hints.serverPorts)
        self.threads = min(max(threads, 1), 63)
        let count = self.threads * Self.shardsPerThread
        self.ringSize = max(ringSize ?? Self.batchesInFlight / count, 2)
        batches = (0..<self.ringSize).map { _ in (0..<count).map { _ in ShardBatch() } }
        routeTargets = Array(batches.joined())
        shards = (0..<count).map { [batches] shard in
            DecodeShard(options: options, format: format, ring: batches.map { $0[shard] })
        }
        schedule = ShardSchedule(shards: count)
        self.output = output
        self.roundPackets = max(roundPackets, 1)
        order = Array(repeating: [], count: self.ringSize)
        for _ in 0..<self.threads {
            let (shards, schedule, exited) = (shards, schedule, exited)
            DecodeThread.start(registeringIn: threadIDs) {
                while let (shard, round) = schedule.take() {
                    shards[shard].decode(round: round)
                    schedule.finished(shard)
                }
                exited.signal()
            }
        }
    }

    deinit {
        finish()
    }

    public var packetsRead: Int { streams.packetsRead }

    /// The kernel thread ids of the decoding threads started so far (all of them soon after
    /// `init`): what to look for in /proc/self/task.
    public var decodingThreadIDs: [Int32] { threadIDs.all }

    /// Threads to decode on when the user does not say: one per online CPU, up to 4 (beyond
    /// that the reading thread, which reassembles TCP for all of them, is the bottleneck, and
    /// each thread adds its own memory).
    public static var defaultThreads: Int {
        min(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))), 4)
    }

    public func process(_ packet: CapturedPacket) {
        precondition(!finished, "process after finish")
        if streams.packetsRead == 0 {
            // Before any thread decodes: text times count from the capture's first packet.
            for shard in shards { shard.startClock(at: packet.timestamp) }
        }
        span.see(packet.timestamp)
        let slot = submittedRounds % ringSize
        streams.process(packet) { event, now in route(event, slot: slot, now: now) }
        packetsInRound += 1
        if packetsInRound >= roundPackets || bytesInRound >= Self.roundBytes { endRound() }
    }

    /// Ends the round being filled and writes the lines of every round handed out: the lines of
    /// all packets processed so far (a live capture shows its lines as traffic comes, not a
    /// round of 4,096 packets later).
    public func flush() {
        precondition(!finished, "flush after finish")
        endRound()
        while writtenRounds < submittedRounds { writeOldestRound() }
    }

    /// End of input: the connections still open are closed, every line written, and the
    /// threads ended.
    public func finish() {
        guard !finished else { return }
        let slot = submittedRounds % ringSize
        streams.finish { route($0, slot: slot, now: $1) }
        endRound()
        while writtenRounds < submittedRounds { writeOldestRound() }
        schedule.stop()
        for _ in 0..<threads { exited.wait() }
        finished = true
        if let first = shards.first, first.decoder.options.collectStatistics {
            statistics = DecodeStatistics.merged([span] + shards.map(\.decoder.statistics))
        }
    }

    public var packetStatistics: PacketStatistics { streams.packetStatistics }
    public var reassemblyStatistics: TCPReassemblyStatistics { streams.reassemblyStatistics }
    /// Connections seen that carried no protocol cmtune decodes (after `finish`).
    public var undecodedConnections: Int { shards.reduce(0) { $0 + $1.decoder.undecodedConnections } }

    private func route(_ event: TCPStreamEvent, slot: Int, now: CaptureTimestamp) {
        let connection: TCPConnection
        switch event {
        case .opened(let opened, _): connection = opened
        case .data(let dataConnection, _, let bytes, _):
            connection = dataConnection
            bytesInRound += bytes.count
        case .gap(let gapConnection, _, _, _): connection = gapConnection
        case .closed(let closed, _): connection = closed
        }
        let index = Int(connection.id % UInt64(shards.count))
        let sequence = eventsRouted
        routeTargets[slot * shards.count + index].add(event, now: now, sequence: sequence)
        eventsRouted += 1
        order[slot].append(UInt8(truncatingIfNeeded: index))
    }

    /// Hands the round's batches to the threads; when the ring is full, writes the oldest round
    /// out (decoding what of it no thread has taken yet).
    private func endRound() {
        packetsInRound = 0
        bytesInRound = 0
        let slot = submittedRounds % ringSize
        guard !order[slot].isEmpty else { return }
        schedule.submitRound()
        submittedRounds += 1
        if submittedRounds - writtenRounds == ringSize { writeOldestRound() }
    }

    /// Writes the oldest round's lines in the order of its events: consecutive events of one
    /// shard are one run of its lines, and the runs go out by one writev(2) per thousand.
    private func writeOldestRound() {
        let slot = writtenRounds % ringSize
        schedule.waitFor(round: writtenRounds) { [shards] shard, round in shards[shard].decode(round: round) }
        var next = [Int](repeating: 0, count: shards.count)
        var runs: [(shard: Int, lines: Range<Int>)] = []
        let events = order[slot]
        var start = 0
        while start < events.count {
            let index = Int(events[start])
            var end = start + 1
            while end < events.count, events[end] == events[start] { end += 1 }
            let first = next[index]
            next[index] = first + (end - start)
            let lines = batches[slot][index].lines(ofInputs: first, next[index])
            if !lines.isEmpty { runs.append((index, lines)) }
            start = end
        }
        withLines(of: batches[slot][...]) { buffers in
            output.write(pieces: runs.map { UnsafeRawBufferPointer(rebasing: buffers[$0.shard][$0.lines]) })
        }
        for batch in batches[slot] { batch.reset() }
        order[slot].removeAll(keepingCapacity: true)
        writtenRounds += 1
    }

    /// The lines of every batch at once, for as long as `body` runs.
    private func withLines(of batches: ArraySlice<ShardBatch>, _ buffers: [UnsafeRawBufferPointer] = [], _ body: ([UnsafeRawBufferPointer]) -> Void) {
        guard let batch = batches.first else { return body(buffers) }
        batch.lines.withUnsafeBytes { withLines(of: batches.dropFirst(), buffers + [$0], body) }
    }
}
