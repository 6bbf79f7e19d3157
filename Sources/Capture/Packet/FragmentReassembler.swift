/// Limits on IP fragment reassembly; the defaults follow Linux (ipfrag_time 30 s,
/// ipfrag_high_thresh 4 MiB).
public struct FragmentLimits: Sendable, Hashable {
    /// A datagram still incomplete this long (capture time) after its first fragment is dropped.
    public var timeout: Duration = .seconds(30)
    /// The largest reassembled payload accepted (IPv4 and non-jumbo IPv6 cannot exceed 65535).
    public var maximumDatagramBytes: Int = 65_535
    /// Bytes held for all incomplete datagrams together; the oldest are dropped to make room.
    public var maximumTotalBytes: Int = 4 << 20
    /// Incomplete datagrams held at once; the oldest are dropped to make room.
    public var maximumDatagrams: Int = 4096

    public init() {}

    public init(timeout: Duration, maximumDatagramBytes: Int, maximumTotalBytes: Int, maximumDatagrams: Int) {
        self.timeout = timeout
        self.maximumDatagramBytes = maximumDatagramBytes
        self.maximumTotalBytes = maximumTotalBytes
        self.maximumDatagrams = maximumDatagrams
    }
}

/// Counters of fragment reassembly.
public struct FragmentStatistics: Sendable, Hashable {
    public var fragments = 0
    public var datagramsReassembled = 0
    /// Datagrams dropped incomplete because their time ran out (or at the end of input).
    public var datagramsTimedOut = 0
    /// Datagrams dropped incomplete to stay within the memory or count limit.
    public var datagramsEvicted = 0
    /// Fragment bytes that overlapped bytes already held (the first copy was kept).
    public var overlapBytes = 0
    /// Bytes held now, and the most ever held.
    public var bufferedBytes = 0
    public var peakBufferedBytes = 0

    public init() {}
}

/// Reassembles IPv4 and IPv6 fragments; the first copy of any byte wins.
///
/// Datagrams are keyed by source, destination, identification and (IPv4) protocol. Memory is
/// bounded per datagram and in total; time is capture time, so a file reassembles the same
/// way however fast it is read.
struct FragmentReassembler {
    struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        var identification: UInt32
        /// The IPv4 protocol; 0xffff for IPv6 (whose key has no protocol).
        var protocolNumber: UInt16
    }

    enum Outcome {
        case held
        /// The whole payload and the protocol of what it carries.
        case complete([UInt8], protocolNumber: UInt8, timestamp: CaptureTimestamp)
        case rejected(PacketIssue)
    }

    private final class Datagram {
        let serial: Int
        let firstSeen: CaptureTimestamp
        var buffer: [UInt8] = []
        /// Disjoint, sorted byte ranges held.
        var covered: [Range<Int>] = []
        /// Known once the final fragment (more-fragments clear) arrives.
        var totalLength: Int?
        /// The protocol carried, from the key (IPv4) or the first fragment (IPv6).
        var protocolNumber: UInt8?

        init(serial: Int, firstSeen: CaptureTimestamp) {
            self.serial = serial
            self.firstSeen = firstSeen
        }
    }

    let limits: FragmentLimits
    private(set) var statistics = FragmentStatistics()
    private var datagrams: [Key: Datagram] = [:]
    /// Arrival order, for expiry and eviction; entries whose serial no longer matches are stale.
    private var order: [(key: Key, serial: Int)] = []
    private var orderHead = 0
    private var nextSerial = 0
    private let timeoutSeconds: Int64
    private let timeoutNanoseconds: Int64

    init(limits: FragmentLimits) {
        self.limits = limits
        let (seconds, attoseconds) = limits.timeout.components
        timeoutSeconds = seconds
        timeoutNanoseconds = attoseconds / 1_000_000_000
    }

    var pendingDatagrams: Int { datagrams.count }

    /// Adds one fragment: `offset` in bytes, `payload` the bytes after the IP header(s).
    mutating func add(
        key: Key, offset: Int, payload: ArraySlice<UInt8>, moreFragments: Bool, protocolNumber: UInt8?,
        timestamp: CaptureTimestamp
    ) -> Outcome {
        statistics.fragments += 1
        expire(now: timestamp)
        let end = offset + payload.count
        if moreFragments && payload.count % 8 != 0 { return .rejected(.fragmentBadLength) }
        if end > limits.maximumDatagramBytes {
            drop(key, timedOut: false, evicted: false)
            return .rejected(.fragmentTooLarge)
        }
        if moreFragments && payload.isEmpty { return .rejected(.fragmentBadLength) }

        let datagram: Datagram
        if let existing = datagrams[key] {
            datagram = existing
        } else {
            if datagrams.count >= limits.maximumDatagrams { evictOldest(sparing: nil) }
            datagram = Datagram(serial: nextSerial, firstSeen: timestamp)
            nextSerial += 1
            datagrams[key] = datagram
            order.append((key, datagram.serial))
            if order.count - orderHead > 2 * datagrams.count + 64 {
                // Completed datagrams leave stale entries behind a long-lived one: drop them.
                order = order[orderHead...].filter { datagrams[$0.key]?.serial == $0.serial }
                orderHead = 0
            }
        }

        // Consistency with the final fragment: first wins.
        if let total = datagram.totalLength {
            if end > total || (!moreFragments && end != total) { return .rejected(.fragmentInconsistent) }
        } else if !moreFragments {
            if let last = datagram.covered.last, last.upperBound > end { return .rejected(.fragmentInconsistent) }
            datagram.totalLength = end
        }
        if offset == 0, let protocolNumber, datagram.protocolNumber == nil {
            datagram.protocolNumber = protocolNumber
        }

        // Room for the bytes.
        if end > datagram.buffer.count {
            let growth = end - datagram.buffer.count
            while statistics.bufferedBytes + growth > limits.maximumTotalBytes {
                guard evictOldest(sparing: key) else {
                    drop(key, timedOut: false, evicted: true)
                    return .rejected(.fragmentTooLarge)
                }
            }
            datagram.buffer.append(contentsOf: repeatElement(0, count: growth))
            statistics.bufferedBytes += growth
            statistics.peakBufferedBytes = max(statistics.peakBufferedBytes, statistics.bufferedBytes)
        }

        // Copy the parts not held yet (first copy wins) and count the rest as overlap.
        var fresh = 0
        var cursor = offset
        for range in datagram.covered {
            if range.upperBound <= cursor { continue }
            if range.lowerBound >= end { break }
            if cursor < range.lowerBound {
                copy(payload, from: offset, range: cursor..<range.lowerBound, into: datagram)
                fresh += range.lowerBound - cursor
            }
            cursor = max(cursor, range.upperBound)
            if cursor >= end { break }
        }
        if cursor < end {
            copy(payload, from: offset, range: cursor..<end, into: datagram)
            fresh += end - cursor
        }
        statistics.overlapBytes += payload.count - fresh

        // Keep `covered` sorted, disjoint and merged.
        var merged: [Range<Int>] = []
        merged.reserveCapacity(datagram.covered.count + 1)
        func appendMerging(_ range: Range<Int>) {
            guard !range.isEmpty else { return }
            if let last = merged.last, last.upperBound >= range.lowerBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        var newRange: Range<Int>? = offset..<end
        for range in datagram.covered {
            if let pending = newRange, pending.lowerBound < range.lowerBound {
                appendMerging(pending)
                newRange = nil
            }
            appendMerging(range)
        }
        if let pending = newRange { appendMerging(pending) }
        datagram.covered = merged

        guard let total = datagram.totalLength, merged.count == 1, merged[0] == 0..<total else { return .held }
        guard let carried = datagram.protocolNumber else { return .held }
        datagrams[key] = nil
        statistics.bufferedBytes -= datagram.buffer.count
        statistics.datagramsReassembled += 1
        return .complete(datagram.buffer, protocolNumber: carried, timestamp: timestamp)
    }

    private func copy(_ payload: ArraySlice<UInt8>, from offset: Int, range: Range<Int>, into datagram: Datagram) {
        guard !range.isEmpty else { return }
        let start = payload.startIndex + (range.lowerBound - offset)
        datagram.buffer.replaceSubrange(range, with: payload[start..<start + range.count])
    }

    /// Drops datagrams whose time ran out by `now` (capture time).
    mutating func expire(now: CaptureTimestamp) {
        while orderHead < order.count {
            let (key, serial) = order[orderHead]
            guard let datagram = datagrams[key], datagram.serial == serial else {
                orderHead += 1
                continue
            }
            var deadlineSeconds = datagram.firstSeen.seconds + timeoutSeconds
            var deadlineNanoseconds = Int64(datagram.firstSeen.nanoseconds) + timeoutNanoseconds
            if deadlineNanoseconds >= 1_000_000_000 {
                deadlineSeconds += 1
                deadlineNanoseconds -= 1_000_000_000
            }
            guard (now.seconds, Int64(now.nanoseconds)) >= (deadlineSeconds, deadlineNanoseconds) else { break }
            drop(key, timedOut: true, evicted: false)
            orderHead += 1
        }
        compactOrder()
    }

    /// Drops every incomplete datagram (end of input), counting them as timed out.
    mutating func finish() {
        statistics.datagramsTimedOut += datagrams.count
        datagrams.removeAll()
        order.removeAll()
        orderHead = 0
        statistics.bufferedBytes = 0
    }

    /// Drops the oldest datagram other than `sparing`; false when there is none.
    @discardableResult
    private mutating func evictOldest(sparing: Key?) -> Bool {
        var index = orderHead
        while index < order.count {
            let (key, serial) = order[index]
            index += 1
            guard let datagram = datagrams[key], datagram.serial == serial else { continue }
            if key == sparing { continue }
            drop(key, timedOut: false, evicted: true)
            return true
        }
        return false
    }

    private mutating func drop(_ key: Key, timedOut: Bool, evicted: Bool) {
        guard let datagram = datagrams.removeValue(forKey: key) else { return }
        statistics.bufferedBytes -= datagram.buffer.count
        if timedOut { statistics.datagramsTimedOut += 1 }
        if evicted { statistics.datagramsEvicted += 1 }
    }

    private mutating func compactOrder() {
        if orderHead > 64 && orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}
