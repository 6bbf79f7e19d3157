import HostKit
import Load

/// Samples and a load result to a verdict: the measured window, each CPU's shares, the CM's
/// loops, and the judgement with its typed reasons. Pure: everything it needs is passed in, so
/// tests build it from synthetic samples without root, a CM or a clock.
public struct VerifyAnalysis: Sendable, Equatable {
    public var cpus: [Int]
    /// The samples the verdict was made from (first and last bound the window).
    public var window: [VerifySample]
    public var intervals: [VerifyReport.Interval]
    public var loops: [VerifyReport.LoopRow]
    public var judgement: VerifyJudgement
    /// The judgement's reasons, then what the load reported beside them (lost messages).
    public var reasons: [VerifyReason]
    public var load: VerifyReport.LoadSummary

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Fewer than two samples: no interval to measure.
        case tooFewSamples(Int)

        public var description: String {
            switch self {
            case .tooFewSamples: "the load ended before two samples were taken"
            }
        }
    }

    /// Seconds between the window's first and last samples.
    public var duration: Double { (window.last?.time ?? 0) - (window.first?.time ?? 0) }

    /// - Parameters:
    ///   - samples: taken about once a second while the load ran, in time order.
    ///   - loadStart: when the load was started, on the samples' clock.
    ///   - loopConnections: connections per CM loop from its metrics; empty when unknown.
    ///   - ticksPerSecond: clock ticks per second of /proc/PID/stat (`sysconf(_SC_CLK_TCK)`).
    public static func analyse(
        samples: [VerifySample], loadStart: Double, load result: LoadResult, online: CPUSet, threshold: Double,
        loopConnections: [Int: Int] = [:], ticksPerSecond: Double
    ) throws(Failure) -> VerifyAnalysis {
        let window = MeasurementWindow.select(
            samples, loadStart: loadStart, rampSeconds: result.rampSeconds, measuredSeconds: result.seconds)
        guard window.count >= 2, let first = window.first, let last = window.last else { throw .tooFewSamples(window.count) }
        let cpus = online.sorted()
        let intervals = CPUShareSeries.intervals(window, cpus: cpus, origin: loadStart)
        let loops = LoopThreadRows.rows(first: first, last: last, connections: loopConnections, ticksPerSecond: ticksPerSecond)
        let judgement = VerifyJudgement.judge(
            cpus: cpus, means: CPUShareSeries.means(intervals, cpus: cpus), loops: loops, threshold: threshold,
            receivedPackets: CPUShareSeries.receivedPackets(from: first.counters, to: last.counters, cpus: cpus))
        return VerifyAnalysis(
            cpus: cpus, window: window, intervals: intervals, loops: loops, judgement: judgement,
            reasons: judgement.reasons + (result.lost > 0 ? [.lostMessages(result.lost)] : []),
            load: VerifyReport.LoadSummary(result))
    }
}

extension VerifyReport.LoadSummary {
    /// What the report shows of a load run.
    public init(_ result: LoadResult) {
        self.init(
            connectionsOK: result.connectionsOK, connectionsFailed: result.connectionsFailed, sent: result.sent,
            acked: result.ackedSuccess, delivered: result.delivered, lost: result.lost, rate: result.messageRate,
            latency: result.latency)
    }
}
