/// Turns TCP segments into per-connection, per-direction byte streams delivered strictly in
/// sequence order.
///
/// - In-order segments (the common case) are delivered at once as slices of the captured
///   packet: no copy, no allocation.
/// - Out-of-order segments wait in a sorted buffer until the hole before them fills; the first
///   copy of any byte wins, later copies count as duplicates (and as conflicting when they
///   differ).
/// - Buffering is bounded per direction and in total: when a limit would be exceeded the
///   oldest hole is given up (a `gap` event) and what follows it is delivered.
/// - Time is capture time: idle connections are closed when the capture's clock passes the
///   idle timeout, whatever the speed of reading.
///
/// Not thread-safe; feed it from one thread.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
public final class TCPReassembler {
    public let limits: TCPReassemblyLimits
    /// Ports on which the server listens, to pick the server of a connection seen without a SYN.
    public let serverPorts: Set<UInt16>
    @exclusivity(unchecked) public private(set) var statistics = TCPReassemblyStatistics()

    @exclusivity(unchecked) private var connections: [FlowKey: ConnectionState] = [:]
    /// The connections of recent segments, looked up before `connections`.
    @exclusivity(unchecked) private var recentFlows = FlowCache()
    /// Directions holding out-of-order bytes, for finding the oldest hole when the total limit
    /// is reached.
    @exclusivity(unchecked) private var buffering: [ObjectIdentifier: DirectionState] = [:]
    private var nextConnectionID: UInt64 = 1
    @exclusivity(unchecked) private var now = CaptureTimestamp(seconds: Int64.min, nanoseconds: 0)
    private var nextSweep = CaptureTimestamp(seconds: Int64.min, nanoseconds: 0)
    @exclusivity(unchecked) private var retainedTotal = 0
    private let idleNanoseconds: Int64
    private let sweepNanoseconds: Int64
    private let historyLimit: Int

    /// Segments further than this from the expected sequence number cannot be in any window.
    static let windowLimit: Int64 = 1 << 30
    /// How long a connection closed by FIN or RST is remembered after its last segment, so its
    /// final ACK and retransmitted FINs are not taken for a new connection (capture time).
    static let closedLingerNanoseconds: Int64 = 30_000_000_000

    public init(limits: TCPReassemblyLimits = TCPReassemblyLimits(), serverPorts: Set<UInt16> = []) {
        self.limits = limits
        self.serverPorts = serverPorts
        let (seconds, attoseconds) = limits.idleTimeout.components
        idleNanoseconds =
            seconds.multipliedReportingOverflow(by: 1_000_000_000).overflow
            ? Int64.max / 4 : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        sweepNanoseconds = max(idleNanoseconds / 16, 1_000_000)
        historyLimit = DeliveredHistory.capacityLimit(limits.retainedDeliveredBytesPerDirection)
    }

    /// Connections tracked now (including those closed by FIN or RST, kept up to 30 s after their
    /// last segment to absorb the final ACK and retransmissions).
    public var connectionCount: Int { connections.count }

    // MARK: - Input

    /// Feeds one segment; `emit` receives the events it causes, in order.
    public func process(_ segment: TCPSegment, _ emit: (TCPStreamEvent) -> Void) {
        statistics.segments += 1
        if segment.timestamp > now { now = segment.timestamp }
        if now >= nextSweep { expireIdle(now: now, emit) }

        let key = FlowKey(segment.src, segment.dst)
        var state = connection(for: key)
        if let existing = state, existing.isClosed {
            if segment.flags.contains(.syn) && !segment.flags.contains(.ack) {
                // The ports are reused for a new connection.
                forget(key)
                state = nil
            } else {
                existing.lastSeen = now
                statistics.segmentsAfterClose += 1
                return
            }
        }
        if let existing = state, existing.hadSYN, segment.flags.contains(.syn), !segment.flags.contains(.ack),
            segment.src == existing.connection.client, existing.client.started,
            existing.client.base != segment.seq &+ 1
        {
            // A new SYN with another initial sequence number: the ports were reused and the old
            // connection ended unseen (its FIN or RST was not captured). It is closed as idle.
            statistics.idleEvictions += 1
            close(existing, reason: .idle, keep: false, emit)
            state = nil
        }
        let connection: ConnectionState
        if let state {
            connection = state
        } else {
            if segment.flags.contains(.rst) && segment.payloadLength == 0 {
                // A reset for a connection never seen: nothing to report.
                statistics.segmentsAfterClose += 1
                return
            }
            connection = open(for: segment, key: key, emit)
        }
        connection.lastSeen = now
        let direction = segment.src == connection.connection.client ? TCPDirection.clientToServer : .serverToClient
        let stream = connection.stream(direction)

        let carriesSYN = segment.flags.contains(.syn)
        let dataSeq = carriesSYN ? segment.seq &+ 1 : segment.seq
        if !stream.started {
            stream.start(at: dataSeq)
        }
        let delta = stream.delta(of: dataSeq)
        if delta > Self.windowLimit || delta < -Self.windowLimit {
            statistics.outOfWindowSegments += 1
            return
        }
        let offset = stream.nextOffset + delta

        if segment.payloadLength > 0 {
            let tail = segment.payloadLength - segment.payload.count
            insert(segment.payload, missingTail: tail, at: offset, into: stream, timestamp: segment.timestamp, emit)
        }
        if segment.flags.contains(.fin), stream.finOffset == nil {
            stream.finOffset = offset + Int64(segment.payloadLength)
            trimPendingBeyondFIN(stream)
            checkFIN(stream)
        }
        if segment.flags.contains(.rst) {
            close(connection, reason: .reset, keep: true, emit)
            return
        }
        if connection.client.finDelivered && connection.server.finDelivered {
            close(connection, reason: .fin, keep: true, emit)
        }
    }

    /// Feeds one segment and returns the events (convenient for tests; `process(_:_:)` avoids
    /// the array).
    public func process(_ segment: TCPSegment) -> [TCPStreamEvent] {
        var events: [TCPStreamEvent] = []
        process(segment) { events.append($0) }
        return events
    }

    /// Closes connections idle for the idle timeout or longer, in order of first appearance.
    /// `process` does this as capture time advances; a live capture with no traffic can call it
    /// on a timer. The table is scanned at most once per sixteenth of the idle timeout (capture
    /// time), so calling it often costs nothing, and a connection closes at most that late.
    public func expireIdle(now: CaptureTimestamp, _ emit: (TCPStreamEvent) -> Void) {
        if now > self.now { self.now = now }
        guard self.now >= nextSweep else { return }
        nextSweep = self.now.adding(nanoseconds: sweepNanoseconds)
        let cutoff = self.now.adding(nanoseconds: -idleNanoseconds)
        // Connections closed by FIN or RST linger only to absorb their last segments.
        let closedCutoff = self.now.adding(nanoseconds: -min(idleNanoseconds, Self.closedLingerNanoseconds))
        var idle: [ConnectionState] = []
        for state in connections.values where state.lastSeen <= (state.isClosed ? closedCutoff : cutoff) {
            idle.append(state)
        }
        guard !idle.isEmpty else { return }
        idle.sort { $0.connection.id < $1.connection.id }
        for state in idle {
            if state.isClosed {
                forget(state.key)
            } else {
                statistics.idleEvictions += 1
                close(state, reason: .idle, keep: false, emit)
            }
        }
    }

    /// At the end of input: delivers what is buffered (with gaps for the holes) and closes
    /// every open connection, in order of first appearance.
    public func finish(_ emit: (TCPStreamEvent) -> Void) {
        let open = connections.values.filter { !$0.isClosed }.sorted { $0.connection.id < $1.connection.id }
        for state in open {
            close(state, reason: .endOfCapture, keep: false, emit)
        }
        connections.removeAll()
        recentFlows.removeAll()
        buffering.removeAll()
    }

    public func finish() -> [TCPStreamEvent] {
        var events: [TCPStreamEvent] = []
        finish { events.append($0) }
        return events
    }

    // MARK: - Connections

    private func connection(for key: FlowKey) -> ConnectionState? {
        if let recent = recentFlows.state(for: key) { return recent }
        guard let state = connections[key] else { return nil }
        recentFlows.insert(state)
        return state
    }

    private func forget(_ key: FlowKey) {
        connections[key] = nil
        recentFlows.remove(key)
    }

    private func open(for segment: TCPSegment, key: FlowKey, _ emit: (TCPStreamEvent) -> Void) -> ConnectionState {
        if connections.count >= limits.maximumConnections { evictLeastRecent(emit) }
        let flags = segment.flags
        let sourceIsClient: Bool
        if flags.contains(.syn) {
            sourceIsClient = !flags.contains(.ack)
        } else {
            let sourceKnown = serverPorts.contains(segment.src.port)
            let destinationKnown = serverPorts.contains(segment.dst.port)
            if destinationKnown != sourceKnown {
                sourceIsClient = destinationKnown
            } else if segment.src.port != segment.dst.port {
                sourceIsClient = segment.dst.port < segment.src.port
            } else {
                sourceIsClient = segment.src < segment.dst
            }
        }
        let connection = TCPConnection(
            id: nextConnectionID, client: sourceIsClient ? segment.src : segment.dst,
            server: sourceIsClient ? segment.dst : segment.src)
        nextConnectionID += 1
        let state = ConnectionState(connection: connection, key: key, now: now)
        state.hadSYN = flags.contains(.syn)
        connections[key] = state
        recentFlows.insert(state)
        statistics.connectionsOpened += 1
        emit(.opened(connection, hadSYN: flags.contains(.syn)))
        return state
    }

    /// Flushes both directions, reports the close, and forgets the connection (or keeps it,
    /// closed, to absorb trailing segments).
    private func close(_ state: ConnectionState, reason: TCPCloseReason, keep: Bool, _ emit: (TCPStreamEvent) -> Void) {
        guard !state.isClosed else { return }
        flush(state.client, emit)
        flush(state.server, emit)
        state.isClosed = true
        statistics.connectionsClosed[reason, default: 0] += 1
        emit(.closed(state.connection, reason: reason))
        retainedTotal -= state.client.history.release()
        retainedTotal -= state.server.history.release()
        if !keep { forget(state.key) }
    }

    /// Closes the least recently active sixteenth of the table (at least one connection).
    private func evictLeastRecent(_ emit: (TCPStreamEvent) -> Void) {
        let victims = connections.values.sorted {
            ($0.lastSeen, $0.connection.id) < ($1.lastSeen, $1.connection.id)
        }.prefix(max(1, connections.count / 16))
        for state in victims.sorted(by: { $0.connection.id < $1.connection.id }) {
            if state.isClosed {
                forget(state.key)
            } else {
                statistics.limitEvictions += 1
                close(state, reason: .evicted, keep: false, emit)
            }
        }
    }

    // MARK: - Data

    private func insert(
        _ payload: ArraySlice<UInt8>, missingTail: Int, at start: Int64, into stream: DirectionState,
        timestamp: CaptureTimestamp, _ emit: (TCPStreamEvent) -> Void
    ) {
        // The usual segment first: the next bytes, nothing buffered, no FIN to trim at. Delivered
        // as given; the general path below copies the slice (a retain and a release) to cut it.
        if start == stream.nextOffset, stream.hasNoPending, stream.finOffset == nil, !payload.isEmpty {
            deliver(payload, missingTail: missingTail, stream: stream, timestamp: timestamp, emit)
            return
        }
        var bytes = payload
        var tail = Int64(missingTail)
        var offset = start
        var end = offset + Int64(bytes.count) + tail
        // Nothing counts past the FIN.
        if let fin = stream.finOffset, end > fin {
            let excess = end - fin
            let fromTail = min(excess, tail)
            tail -= fromTail
            bytes = bytes.dropLast(Int(excess - fromTail))
            end = fin
        }
        if end <= offset { return }
        let next = stream.nextOffset
        if offset < next {
            if end - offset <= 1 && offset == next - 1 {
                statistics.keepAlives += 1
                return
            }
            let old = min(next, end) - offset
            statistics.duplicateBytes += Int(old)
            let repeated = bytes.prefix(Int(min(old, Int64(bytes.count))))
            statistics.conflictingBytes += stream.conflicts(with: repeated, at: offset)
            if end <= next { return }
            let dropBytes = Int(min(old, Int64(bytes.count)))
            bytes = bytes.dropFirst(dropBytes)
            tail -= old - Int64(dropBytes)
            offset = next
        }

        // The fast path: in order, nothing buffered.
        if stream.hasNoPending && offset == next {
            deliver(bytes, missingTail: Int(tail), stream: stream, timestamp: timestamp, emit)
            return
        }
        insertSlow(bytes, missingTail: tail, at: offset, into: stream, timestamp: timestamp, emit)
    }

    private func insertSlow(
        _ bytes: ArraySlice<UInt8>, missingTail tail: Int64, at start: Int64, into stream: DirectionState,
        timestamp: CaptureTimestamp, _ emit: (TCPStreamEvent) -> Void
    ) {
        let end = start + Int64(bytes.count) + tail
        let bytesEnd = start + Int64(bytes.count)
        func piece(_ from: Int64, _ to: Int64) -> PendingSegment {
            let lowByte = min(from, bytesEnd)
            let highByte = min(to, bytesEnd)
            // Copied out of the packet: the reader reuses a packet's storage once it is free, and
            // a held piece must cost its own size, not the largest packet's.
            let slice = ArraySlice(Array(bytes[(bytes.startIndex + Int(lowByte - start))..<(bytes.startIndex + Int(highByte - start))]))
            return PendingSegment(offset: from, bytes: slice, missingTail: (to - from) - Int64(slice.count), timestamp: timestamp)
        }
        // The parts of [start, end) not already buffered (first copy wins).
        var pieces: [PendingSegment] = []
        var cursor = start
        var index = stream.firstPendingIndex(endingAfter: start)
        while index < stream.pending.count {
            let held = stream.pending[index]
            index += 1
            if held.end <= cursor { continue }
            if held.offset >= end { break }
            if cursor < held.offset { pieces.append(piece(cursor, held.offset)) }
            let overlapStart = max(cursor, held.offset)
            let overlapEnd = min(end, held.end)
            if overlapEnd > overlapStart {
                statistics.duplicateBytes += Int(overlapEnd - overlapStart)
                statistics.conflictingBytes += Self.differences(
                    bytes, at: start, held.bytes, at: held.offset, in: overlapStart..<overlapEnd)
            }
            cursor = max(cursor, held.end)
            if cursor >= end { break }
        }
        if cursor < end { pieces.append(piece(cursor, end)) }
        if pieces.isEmpty { return }

        var first = 0  // pieces before `first` are delivered
        deliverContiguous(stream, pieces: pieces, first: &first, emit)
        if first == pieces.count { return }
        statistics.outOfOrderSegments += 1

        // Make room: give up holes until the remaining pieces fit.
        func needed() -> Int { pieces[first...].reduce(0) { $0 + $1.bytes.count } }
        while first < pieces.count && stream.pendingBytes + needed() > limits.maximumBufferedBytesPerDirection {
            giveUpFrontHole(stream, pieces: pieces, first: &first, emit)
        }
        while first < pieces.count && statistics.bufferedBytes + needed() > limits.maximumBufferedBytesTotal {
            if let oldest = oldestBufferingStream(), oldest !== stream {
                var none = 0
                giveUpFrontHole(oldest, pieces: [], first: &none, emit)
                if let other = connections[oldest.key], other.client.finDelivered && other.server.finDelivered {
                    close(other, reason: .fin, keep: true, emit)
                }
            } else {
                giveUpFrontHole(stream, pieces: pieces, first: &first, emit)
            }
        }
        guard first < pieces.count else { return }

        if stream.hasNoPending {
            stream.holeSince = timestamp
            buffering[ObjectIdentifier(stream)] = stream
        }
        for piece in pieces[first...] {
            stream.insertPending(piece)
            statistics.bufferedBytes += piece.bytes.count
        }
        statistics.peakBufferedBytes = max(statistics.peakBufferedBytes, statistics.bufferedBytes)
        statistics.peakBufferedBytesPerDirection = max(statistics.peakBufferedBytesPerDirection, stream.pendingBytes)
    }

    /// Delivers whatever is now contiguous, from the new pieces and the buffer, in order.
    private func deliverContiguous(
        _ stream: DirectionState, pieces: [PendingSegment], first: inout Int, _ emit: (TCPStreamEvent) -> Void
    ) {
        let hadPending = !stream.hasNoPending
        while true {
            if first < pieces.count, pieces[first].offset == stream.nextOffset {
                let piece = pieces[first]
                first += 1
                deliver(piece.bytes, missingTail: Int(piece.missingTail), stream: stream, timestamp: piece.timestamp, emit)
            } else if let held = stream.firstPending, held.offset == stream.nextOffset {
                stream.removeFirstPending()
                statistics.bufferedBytes -= held.bytes.count
                deliver(held.bytes, missingTail: Int(held.missingTail), stream: stream, timestamp: held.timestamp, emit)
            } else {
                break
            }
        }
        if hadPending && stream.hasNoPending {
            buffering[ObjectIdentifier(stream)] = nil
            stream.holeSince = nil
        }
    }

    /// Gives up the first hole of `stream` (before its first buffered segment or new piece):
    /// a gap, then everything contiguous after it.
    private func giveUpFrontHole(
        _ stream: DirectionState, pieces: [PendingSegment], first: inout Int, _ emit: (TCPStreamEvent) -> Void
    ) {
        var target = Int64.max
        if let held = stream.firstPending { target = held.offset }
        if first < pieces.count { target = min(target, pieces[first].offset) }
        guard target != Int64.max else { return }
        if target > stream.nextOffset {
            emitGap(Int(target - stream.nextOffset), stream: stream, timestamp: now, emit)
            statistics.holesGivenUp += 1
        }
        deliverContiguous(stream, pieces: pieces, first: &first, emit)
        if !stream.hasNoPending { stream.holeSince = now }
    }

    /// The stream whose front hole has waited longest.
    private func oldestBufferingStream() -> DirectionState? {
        var oldest: DirectionState?
        for stream in buffering.values {
            guard let since = stream.holeSince else { continue }
            if let current = oldest, let currentSince = current.holeSince,
                (currentSince, current.connectionID, current.isServerSide ? 1 : 0)
                    <= (since, stream.connectionID, stream.isServerSide ? 1 : 0)
            {
                continue
            }
            oldest = stream
        }
        return oldest
    }

    /// Delivers everything buffered, giving up every hole, and a final gap up to the FIN.
    private func flush(_ stream: DirectionState, _ emit: (TCPStreamEvent) -> Void) {
        var first = 0
        deliverContiguous(stream, pieces: [], first: &first, emit)
        while !stream.hasNoPending {
            giveUpFrontHole(stream, pieces: [], first: &first, emit)
        }
        if let fin = stream.finOffset, fin > stream.nextOffset {
            emitGap(Int(fin - stream.nextOffset), stream: stream, timestamp: now, emit)
            stream.finDelivered = true
        }
    }

    private func deliver(
        _ bytes: ArraySlice<UInt8>, missingTail: Int, stream: DirectionState, timestamp: CaptureTimestamp,
        _ emit: (TCPStreamEvent) -> Void
    ) {
        if !bytes.isEmpty {
            emit(.data(stream.connection, stream.direction, bytes, timestamp))
            retainedTotal += stream.history.record(
                bytes, at: stream.nextOffset, limit: historyLimit, budget: limits.retainedDeliveredBytesTotal - retainedTotal)
            stream.nextOffset += Int64(bytes.count)
            statistics.bytesDelivered += bytes.count
        }
        if missingTail > 0 {
            emitGap(missingTail, stream: stream, timestamp: timestamp, emit)
        }
        checkFIN(stream)
    }

    private func emitGap(_ count: Int, stream: DirectionState, timestamp: CaptureTimestamp, _ emit: (TCPStreamEvent) -> Void) {
        emit(.gap(stream.connection, stream.direction, missingByteCount: count, timestamp))
        stream.nextOffset += Int64(count)
        stream.history.invalidate()
        statistics.gaps += 1
        statistics.gapBytes += count
        checkFIN(stream)
    }

    private func checkFIN(_ stream: DirectionState) {
        if let fin = stream.finOffset, stream.nextOffset >= fin { stream.finDelivered = true }
    }

    /// Buffered bytes past a newly learned FIN can never be delivered: drop them.
    private func trimPendingBeyondFIN(_ stream: DirectionState) {
        guard let fin = stream.finOffset else { return }
        while let highest = stream.lastPending, highest.end > fin {
            stream.removeLastPending()
            statistics.bufferedBytes -= highest.bytes.count
            if highest.offset < fin {
                let keep = Int(min(fin - highest.offset, Int64(highest.bytes.count)))
                let trimmed = PendingSegment(
                    offset: highest.offset, bytes: highest.bytes.prefix(keep),
                    missingTail: fin - highest.offset - Int64(keep), timestamp: highest.timestamp)
                stream.insertPending(trimmed)
                statistics.bufferedBytes += trimmed.bytes.count
                break
            }
        }
        if stream.hasNoPending {
            buffering[ObjectIdentifier(stream)] = nil
            stream.holeSince = nil
        }
    }

    /// Bytes that differ between two copies over `range` (where both have captured bytes).
    private static func differences(
        _ a: ArraySlice<UInt8>, at aStart: Int64, _ b: ArraySlice<UInt8>, at bStart: Int64, in range: Range<Int64>
    ) -> Int {
        let low = max(range.lowerBound, aStart, bStart)
        let high = min(range.upperBound, aStart + Int64(a.count), bStart + Int64(b.count))
        guard high > low else { return 0 }
        var count = 0
        var ai = a.startIndex + Int(low - aStart)
        var bi = b.startIndex + Int(low - bStart)
        for _ in 0..<Int(high - low) {
            if a[ai] != b[bi] { count += 1 }
            ai += 1
            bi += 1
        }
        return count
    }
}

// MARK: - State

/// The unordered pair of endpoints, so both directions find the same connection.
struct FlowKey: Hashable {
    var low: Endpoint
    var high: Endpoint

    init(_ a: Endpoint, _ b: Endpoint) {
        if a < b {
            low = a
            high = b
        } else {
            low = b
            high = a
        }
    }

    /// Every segment looks its connection up by this key: the addresses and ports folded into
    /// few words first, so the hasher runs over three words instead of each enum and field.
    func hash(into hasher: inout Hasher) {
        hasher.combine(lowAndPorts)
        hasher.combine(Self.fold(high.address))
    }

    /// Both endpoints in one word, for `FlowCache`'s slot.
    var folded: UInt64 {
        lowAndPorts &* 0xFF51_AFD7_ED55_8CCD ^ Self.fold(high.address)
    }

    /// The lower address with both ports.
    private var lowAndPorts: UInt64 {
        Self.fold(low.address) ^ UInt64(low.port) << 48 ^ UInt64(high.port) << 32
    }

    private static func fold(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let value): return UInt64(value)
        case .v6(let high, let low): return high ^ (low &* 0x9E37_79B9_7F4A_7C15) ^ 1 << 63
        }
    }
}

/// A buffered out-of-order piece: `bytes` at `offset`, then `missingTail` bytes the snapshot
/// length cut (delivered as a gap).
struct PendingSegment {
    var offset: Int64
    var bytes: ArraySlice<UInt8>
    var missingTail: Int64
    var timestamp: CaptureTimestamp

    var end: Int64 { offset + Int64(bytes.count) + missingTail }
}

final class ConnectionState {
    let connection: TCPConnection
    let key: FlowKey
    @exclusivity(unchecked) var lastSeen: CaptureTimestamp
    var isClosed = false
    @exclusivity(unchecked) var hadSYN = false
    /// Constants, so reading them costs no reference count (the optional variables they were,
    /// set after `self` existed, cost a retain and a release per read, several per segment).
    let client: DirectionState
    let server: DirectionState

    init(connection: TCPConnection, key: FlowKey, now: CaptureTimestamp) {
        self.connection = connection
        self.key = key
        lastSeen = now
        client = DirectionState(connection: connection, key: key, direction: .clientToServer)
        server = DirectionState(connection: connection, key: key, direction: .serverToClient)
    }

    func stream(_ direction: TCPDirection) -> DirectionState {
        direction == .clientToServer ? client : server
    }
}

/// One direction of a connection. Offsets are 64-bit positions in the stream (0 is the first
/// byte after the SYN, or the first byte seen), so sequence wraparound never shows.
final class DirectionState {
    /// The connection's, by value: every delivery names it, and reaching it through an unowned
    /// reference to the connection's state cost a strong retain and a release each time.
    let connection: TCPConnection
    /// The connection's key in the reassembler's table.
    let key: FlowKey
    let direction: TCPDirection
    @exclusivity(unchecked) var started = false
    /// The sequence number of offset 0.
    @exclusivity(unchecked) var base: UInt32 = 0
    var nextOffset: Int64 = 0
    /// Out-of-order pieces, disjoint, sorted by offset; those before `pendingHead` are
    /// delivered (a head index, so delivering from the front costs no shifting, and the usual
    /// out-of-order arrival, a later segment, is an append).
    @exclusivity(unchecked) private(set) var pending: [PendingSegment] = []
    private var pendingHead = 0
    @exclusivity(unchecked) private(set) var pendingBytes = 0
    var holeSince: CaptureTimestamp?
    @exclusivity(unchecked) var finOffset: Int64?
    var finDelivered = false
    /// The last bytes delivered, for conflict checks.
    @exclusivity(unchecked) var history = DeliveredHistory()

    init(connection: TCPConnection, key: FlowKey, direction: TCPDirection) {
        self.connection = connection
        self.key = key
        self.direction = direction
    }

    var connectionID: UInt64 { connection.id }
    var isServerSide: Bool { direction == .serverToClient }

    func start(at seq: UInt32) {
        started = true
        base = seq
        nextOffset = 0
    }

    /// How far `seq` is from the next expected sequence number, modulo 2^32.
    func delta(of seq: UInt32) -> Int64 {
        let expected = base &+ UInt32(truncatingIfNeeded: nextOffset)
        return Int64(Int32(bitPattern: seq &- expected))
    }

    var hasNoPending: Bool { pendingHead == pending.count }
    var firstPending: PendingSegment? { hasNoPending ? nil : pending[pendingHead] }
    var lastPending: PendingSegment? { hasNoPending ? nil : pending[pending.count - 1] }

    /// The index of the first buffered piece ending after `offset`.
    func firstPendingIndex(endingAfter offset: Int64) -> Int {
        var low = pendingHead
        var high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].end <= offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    func insertPending(_ piece: PendingSegment) {
        if hasNoPending {
            pending.removeAll(keepingCapacity: pending.capacity <= 64)
            pendingHead = 0
            pending.append(piece)
        } else if piece.offset > pending[pending.count - 1].offset {
            pending.append(piece)
        } else {
            var low = pendingHead
            var high = pending.count
            while low < high {
                let middle = (low + high) / 2
                if pending[middle].offset < piece.offset { low = middle + 1 } else { high = middle }
            }
            pending.insert(piece, at: low)
        }
        pendingBytes += piece.bytes.count
    }

    func removeFirstPending() {
        pendingBytes -= pending[pendingHead].bytes.count
        pendingHead += 1
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 64)
            pendingHead = 0
        } else if pendingHead >= 32 && pendingHead * 2 >= pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    func removeLastPending() {
        pendingBytes -= pending[pending.count - 1].bytes.count
        pending.removeLast()
        if pendingHead == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 64)
            pendingHead = 0
        }
    }

    /// Bytes of `bytes` (at `offset`, already delivered) that differ from what was delivered.
    func conflicts(with bytes: ArraySlice<UInt8>, at offset: Int64) -> Int {
        history.differences(bytes, at: offset)
    }
}

extension CaptureTimestamp {
    func adding(nanoseconds delta: Int64) -> CaptureTimestamp {
        let total = Int64(nanoseconds) + delta % 1_000_000_000
        var seconds = self.seconds.addingReportingOverflow(delta / 1_000_000_000)
        if seconds.overflow { return self }
        var fraction = total
        if fraction >= 1_000_000_000 {
            fraction -= 1_000_000_000
            seconds.partialValue += 1
        } else if fraction < 0 {
            fraction += 1_000_000_000
            seconds.partialValue -= 1
        }
        return CaptureTimestamp(seconds: seconds.partialValue, nanoseconds: Int32(fraction))
    }
}
