import HostKit

/// The CM's event loop threads over a window, as report rows.
///
/// A process may run several NIO groups (a CM has its loops, and a TLS or metrics server may add
/// its own); the group that used the most CPU time is the one carrying the connections.
public enum LoopThreadRows {
    /// - Parameters:
    ///   - connections: connections per loop index, from the CM's metrics (0 where unknown).
    ///   - ticksPerSecond: clock ticks per second of /proc/PID/stat (`sysconf(_SC_CLK_TCK)`).
    public static func rows(
        first: VerifySample, last: VerifySample, connections: [Int: Int], ticksPerSecond: Double
    ) -> [VerifyReport.LoopRow] {
        let seconds = max(last.time - first.time, 0.001)
        let groups = Dictionary(grouping: last.threads.eventLoopThreads) { $0.name.split(separator: "-#").first.map(String.init) ?? "" }
        func used(_ thread: ThreadTimes.Thread) -> Double {
            let before = first.threads.threads[thread.id]?.ticks ?? thread.ticks
            return Double(thread.ticks &- before) / ticksPerSecond
        }
        guard let busiest = groups.values.max(by: { $0.map(used).reduce(0, +) < $1.map(used).reduce(0, +) }) else { return [] }
        return busiest.enumerated().map { index, thread in
            VerifyReport.LoopRow(
                index: index, threadID: thread.id, pinnedCPU: thread.pinnedCPU, lastCPU: thread.processor,
                connections: connections[index] ?? 0, busy: used(thread) / seconds)
        }
    }
}
