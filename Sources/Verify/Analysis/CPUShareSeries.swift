import HostKit

/// Each CPU's shares of its time, second by second, from HostKit's `CounterRates` (which also
/// serves `top` and `diagnose`), as fractions in the order of `cpus`.
public enum CPUShareSeries {
    /// One interval per pair of neighbouring samples; `offset` is seconds since `origin`. A CPU
    /// without rates in an interval (offline, or /proc/stat unreadable) has all shares 0.
    public static func intervals(_ samples: [VerifySample], cpus: [Int], origin: Double) -> [VerifyReport.Interval] {
        zip(samples, samples.dropFirst()).map { first, second in
            let rates = CounterRates(from: first.counters, to: second.counters)
            return VerifyReport.Interval(offset: second.time - origin, cpus: cpus.map { share(rates.cpu($0)) })
        }
    }

    /// Mean of each CPU's shares over `intervals`, in the order of `cpus`.
    public static func means(_ intervals: [VerifyReport.Interval], cpus: [Int]) -> [VerifyReport.CPUShare] {
        let count = Double(intervals.count)
        return cpus.indices.map { index in
            intervals.reduce(VerifyReport.CPUShare(user: 0, system: 0, irq: 0, softirq: 0)) { sum, interval in
                let share = interval.cpus[index]
                return VerifyReport.CPUShare(
                    user: sum.user + share.user / count, system: sum.system + share.system / count,
                    irq: sum.irq + share.irq / count, softirq: sum.softirq + share.softirq / count)
            }
        }
    }

    /// Packets each CPU took through the receive path between two samples (softnet_stat
    /// "processed"): with RPS that is where a packet was steered, not the CPU that only queued
    /// it there. Nil when either sample lacks softnet_stat.
    public static func receivedPackets(from first: CounterSample, to last: CounterSample, cpus: [Int]) -> [UInt64]? {
        guard let before = first.softnet?.cpus, let after = last.softnet?.cpus else { return nil }
        return cpus.map { cpu in (after[cpu]?.processed ?? 0) &- (before[cpu]?.processed ?? 0) }
    }

    private static func share(_ rate: CounterRates.CPURate?) -> VerifyReport.CPUShare {
        func fraction(_ percent: Double?) -> Double { (percent ?? 0) / 100 }
        return VerifyReport.CPUShare(
            user: fraction(rate?.user), system: fraction(rate?.system), irq: fraction(rate?.irq), softirq: fraction(rate?.softirq))
    }
}
