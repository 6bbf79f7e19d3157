/// Per-CPU time from /proc/stat, in clock ticks (USER_HZ) since boot.
///
/// Rows are keyed by the CPU id in their label (`cpu7`), never by position: an offline CPU has
/// no row, so row 7 need not be CPU 7.
public struct CPUTimes: Sendable, Equatable {
    public struct Ticks: Sendable, Equatable {
        public var user: UInt64 = 0
        public var nice: UInt64 = 0
        public var system: UInt64 = 0
        public var idle: UInt64 = 0
        public var iowait: UInt64 = 0
        public var irq: UInt64 = 0
        public var softirq: UInt64 = 0
        public var steal: UInt64 = 0

        public init() {}

        /// Every tick the CPU had; guest time is already inside user and nice.
        public var total: UInt64 { user &+ nice &+ system &+ idle &+ iowait &+ irq &+ softirq &+ steal }
    }

    public var cpus: [Int: Ticks]
    public var issues: [HostIssue]

    public init(cpus: [Int: Ticks] = [:], issues: [HostIssue] = []) {
        self.cpus = cpus
        self.issues = issues
    }

    /// Parses /proc/stat. Lines other than `cpuN` are ignored; a `cpuN` line with fewer than
    /// the four fields every kernel prints (user nice system idle) is reported and skipped.
    public init(parsing text: String, path: String = "/proc/stat") {
        self.init()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.hasPrefix("cpu"), let space = line.firstIndex(of: " ") else { continue }
            let label = line[line.index(line.startIndex, offsetBy: 3)..<space]
            guard !label.isEmpty else { continue }  // the all-CPU "cpu" line
            guard let cpu = Int(label) else {
                issues.append(HostIssue(path: path, line: number + 1, message: "unexpected label 'cpu\(label)'"))
                continue
            }
            let fields = line[space...].split(separator: " ").map { UInt64($0) }
            guard fields.count >= 4, fields.allSatisfy({ $0 != nil }) else {
                issues.append(HostIssue(path: path, line: number + 1, message: "CPU \(cpu): expected at least 4 tick counts, line is truncated or malformed"))
                continue
            }
            let values = fields.map { $0! }
            var ticks = Ticks()
            ticks.user = values[0]
            ticks.nice = values[1]
            ticks.system = values[2]
            ticks.idle = values[3]
            if values.count > 4 { ticks.iowait = values[4] }
            if values.count > 5 { ticks.irq = values[5] }
            if values.count > 6 { ticks.softirq = values[6] }
            if values.count > 7 { ticks.steal = values[7] }
            cpus[cpu] = ticks
        }
        if cpus.isEmpty && issues.isEmpty {
            issues.append(HostIssue(path: path, message: "no per-CPU lines (cpuN) found"))
        }
    }
}
