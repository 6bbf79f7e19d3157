import HostKit

/// What `verify` reads at one instant of a run: the host's counters and the CM's threads.
public struct VerifySample: Sendable, Equatable {
    /// Monotonic seconds (`MonotonicClock.now()`).
    public var time: Double
    public var counters: CounterSample
    public var threads: ThreadTimes

    public init(time: Double, counters: CounterSample, threads: ThreadTimes) {
        self.time = time
        self.counters = counters
        self.threads = threads
    }
}
