/// When a packet was captured, to the nanosecond (pcapng and nanosecond pcap carry that much).
public struct CaptureTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// Seconds since the epoch as a Double, for arithmetic on latencies.
    public var timeInterval: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// Seconds from `earlier` to `self`.
    public func seconds(since earlier: CaptureTimestamp) -> Double {
        Double(seconds - earlier.seconds) + Double(nanoseconds - earlier.nanoseconds) / 1e9
    }

    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// `1700000000.123456789`, the form tshark's epoch time uses.
    public var description: String {
        let fraction = String(nanoseconds)
        return "\(seconds)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}
