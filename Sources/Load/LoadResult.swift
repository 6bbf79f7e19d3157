import Histogram

/// What a load run measured, for the terminal summary and `--json`.
public struct LoadResult: Sendable, Codable, Equatable {
    /// End-to-end delivery latency in milliseconds: what `cm load` prints and what `verify`
    /// reports, one summary for both.
    public struct Latency: Sendable, Codable, Equatable {
        public var count: Int
        /// Milliseconds.
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double

        public init(count: Int, p50: Double, p90: Double, p99: Double, p999: Double, max: Double) {
            self.count = count
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
            self.p999 = p999
            self.max = max
        }

        init(_ histogram: Histogram<UInt64>) {
            count = Int(histogram.totalCount)
            func milliseconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }
            p50 = milliseconds(histogram.valueAtPercentile(50))
            p90 = milliseconds(histogram.valueAtPercentile(90))
            p99 = milliseconds(histogram.valueAtPercentile(99))
            p999 = milliseconds(histogram.valueAtPercentile(99.9))
            max = milliseconds(histogram.max)
        }
    }

    public var target: String
    public var pattern: String
    public var payloadBytes: Int
    public var connectionsRequested: Int
    public var connectionsOK: Int
    public var connectionsFailed: Int
    /// Why, with counts: "connect: Connection refused", "login: bad-token", ...
    public var failures: [String: Int]
    /// Seconds the ramp took until every connection was logged in or had failed.
    public var rampSeconds: Double
    /// Seconds of the measured phase.
    public var seconds: Double
    public var rateRequested: Double
    /// Messages sent (a fan-out message counts once).
    public var messages: Int
    /// Messages per second over the measured phase.
    public var messageRate: Double
    /// SENDs written (a fan-out message is one per recipient).
    public var sent: Int
    /// Due but not written: the connection's send buffer was full (the CM did not keep up).
    public var notSent: Int
    public var acks: [String: Int]
    public var ackedSuccess: Int
    public var delivered: Int
    /// Acked as delivered but never received, after the drain wait.
    public var lost: Int
    public var disconnected: Int
    public var kicks: [String: Int]
    /// SENDs per second actually written over the measured phase.
    public var sendRate: Double
    /// Deliveries per second over the measured phase and the drain: when the CM fell behind,
    /// what it delivered after the sending stopped counts with the time it took.
    public var deliveryRate: Double
    public var latency: Latency?
    /// CPU seconds this generator used during the measured phase (user + system).
    public var generatorCPUSeconds: Double
    /// CPU seconds of the CM process (`--cm-pid`) over the same window, when known.
    public var cmCPUSeconds: Double?
    /// Deliveries per CPU second of the CM, when its CPU time is known.
    public var deliveriesPerCMCPUSecond: Double?

    /// A run fails when messages acked as delivered never arrived, or nobody logged in.
    public var succeeded: Bool { lost == 0 && connectionsOK > 0 }
}
