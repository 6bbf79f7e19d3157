import Capture

/// What one decode thread gets of one round of a sharded decode: the stream events of its
/// connections in order, with their bytes copied out of the packets (so no storage is shared
/// between threads and no reference count bounces between cores), and, once decoded, the lines
/// they made.
///
/// Owned by one thread at a time: the reading thread fills it, hands it over through a
/// semaphore, and touches it again only after the decoding thread signalled it done.
final class ShardBatch: @unchecked Sendable {
    enum Input {
        case opened(TCPConnection, hadSYN: Bool)
        /// Bytes of `bytes` in the range.
        case data(TCPConnection, TCPDirection, Range<Int>, CaptureTimestamp)
        case gap(TCPConnection, TCPDirection, missingByteCount: Int, CaptureTimestamp)
        /// With the latest capture time, when the connection closed.
        case closed(TCPConnection, reason: TCPCloseReason, now: CaptureTimestamp)
    }

    @exclusivity(unchecked) private(set) var inputs: [Input] = []
    @exclusivity(unchecked) private(set) var bytes: [UInt8] = []
    @exclusivity(unchecked) var lines = JSONLineBuilder(capacity: 1 << 16)
    /// `lines.count` after each input was decoded: where its lines end.
    @exclusivity(unchecked) var ends: [Int] = []
    /// The number of each input's stream event among the capture's.
    @exclusivity(unchecked) private(set) var sequences: [Int] = []

    var isEmpty: Bool { inputs.isEmpty }
    var byteCount: Int { bytes.count }

    func add(_ event: TCPStreamEvent, now: CaptureTimestamp, sequence: Int = 0) {
        sequences.append(sequence)
        switch event {
        case .opened(let connection, let hadSYN):
            inputs.append(.opened(connection, hadSYN: hadSYN))
        case .data(let connection, let direction, let data, let time):
            let start = bytes.count
            // Through a buffer pointer: the generic append of a slice cost twice as many
            // instructions, on the reading thread, for every packet.
            data.withUnsafeBufferPointer { bytes.append(contentsOf: $0) }
            inputs.append(.data(connection, direction, start..<bytes.count, time))
        case .gap(let connection, let direction, let missing, let time):
            inputs.append(.gap(connection, direction, missingByteCount: missing, time))
        case .closed(let connection, let reason):
            inputs.append(.closed(connection, reason: reason, now: now))
        }
    }

    /// The stream event of input `index`, its bytes a slice of this batch's.
    func event(_ index: Int) -> (event: TCPStreamEvent, now: CaptureTimestamp?) {
        switch inputs[index] {
        case .opened(let connection, let hadSYN): return (.opened(connection, hadSYN: hadSYN), nil)
        case .data(let connection, let direction, let range, let time): return (.data(connection, direction, bytes[range], time), nil)
        case .gap(let connection, let direction, let missing, let time): return (.gap(connection, direction, missingByteCount: missing, time), nil)
        case .closed(let connection, let reason, let now): return (.closed(connection, reason: reason), now)
        }
    }

    /// The lines of inputs `first..<end`.
    func lines(ofInputs first: Int, _ end: Int) -> Range<Int> {
        (first == 0 ? 0 : ends[first - 1])..<ends[end - 1]
    }

    /// What a batch keeps of its memory between rounds: what it used, twice over, and at least
    /// `minimumKept`. A batch that kept its largest round would keep, with every batch of the
    /// ring, the peaks of the whole capture: memory that grows with the file.
    static let minimumKept = 64 << 10

    /// Empty again, keeping its memory for the next round as far as this round needed it.
    func reset() {
        let keptBytes = max(Self.minimumKept, 2 * bytes.count)
        if bytes.capacity > 2 * keptBytes {
            bytes = []
            bytes.reserveCapacity(keptBytes)
        } else {
            bytes.removeAll(keepingCapacity: true)
        }
        let keptLines = max(Self.minimumKept, 2 * lines.count)
        if lines.allocatedCapacity > 2 * keptLines {
            lines = JSONLineBuilder(capacity: keptLines)
        } else {
            lines.removeAll()
        }
        inputs.removeAll(keepingCapacity: inputs.capacity <= 4 * max(inputs.count, 256))
        ends.removeAll(keepingCapacity: ends.capacity <= 4 * max(ends.count, 256))
        sequences.removeAll(keepingCapacity: sequences.capacity <= 4 * max(sequences.count, 256))
    }
}
