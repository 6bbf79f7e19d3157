/// When a packet was captured, to the nanosecond (pcapng and nanosecond pcap carry that much).
public struct CaptureTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// The latest time a capture record may claim: 2^40 s, some 35,000 years after 1970.
    public static let latestSeconds: Int64 = 1 << 40

    /// A record's time as a file or the kernel gave it, made safe to compute with: a corrupt
    /// record can claim any 64-bit second and a fraction of a second over one second (found by
    /// fuzzing: durations and latencies then overflowed). The fraction is carried into the
    /// seconds and the seconds are clamped to `0...latestSeconds`.
    public init(sanitizingSeconds seconds: Int64, fraction: Int64, fractionsPerSecond: Int64) {
        let perSecond = max(fractionsPerSecond, 1)
        let carried = seconds.addingReportingOverflow(fraction / perSecond)
        let whole = carried.overflow ? (seconds < 0 ? 0 : Self.latestSeconds) : carried.partialValue
        var remainder = fraction % perSecond
        var clamped = min(max(whole, 0), Self.latestSeconds)
        if remainder < 0 && clamped > 0 {
            remainder += perSecond
            clamped -= 1
        }
        self.seconds = clamped
        self.nanoseconds = Int32(max(remainder, 0) * (1_000_000_000 / perSecond))
    }

    /// Seconds since the epoch as a Double, for arithmetic on latencies.
    public var timeInterval: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later: captures merged from
    /// several queues or files go back in time). In floating point, so no pair of times overflows.
    public func seconds(since earlier: CaptureTimestamp) -> Double {
        (Double(seconds) - Double(earlier.seconds)) + (Double(nanoseconds) - Double(earlier.nanoseconds)) / 1e9
    }

    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// `1700000000.123456789`, the form tshark's epoch time uses.
    public var description: String {
        let fraction = String(nanoseconds.magnitude)
        return "\(seconds)." + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
    }
}
