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

/// /proc/softirqs: per-CPU counts of each softirq, columns by the `CPUn` header (it lists
/// possible CPUs, unlike /proc/interrupts).
public struct SoftIRQCounters: Sendable, Equatable {
    /// Counts per softirq name (`NET_RX`), per CPU id.
    public var counts: [String: [Int: UInt64]]
    public var issues: [HostIssue]

    public init(counts: [String: [Int: UInt64]] = [:], issues: [HostIssue] = []) {
        self.counts = counts
        self.issues = issues
    }

    public init(parsing text: String, path: String = "/proc/softirqs") {
        self.init()
        let lines = text.split(separator: "\n")
        guard let header = lines.first else {
            issues.append(HostIssue(path: path, message: "empty file: no CPU header"))
            return
        }
        var columns: [Int] = []
        for token in header.split(separator: " ") {
            guard token.hasPrefix("CPU"), let cpu = Int(token.dropFirst(3)) else {
                issues.append(HostIssue(path: path, line: 1, message: "header should name CPU columns like 'CPU0', found '\(token)'"))
                return
            }
            columns.append(cpu)
        }
        for (number, line) in lines.enumerated().dropFirst() {
            let parts = line.split(separator: " ")
            guard let label = parts.first, label.hasSuffix(":") else {
                issues.append(HostIssue(path: path, line: number + 1, message: "expected 'NAME:' at the start of the line"))
                continue
            }
            let values = parts.dropFirst().compactMap { UInt64($0) }
            guard values.count == parts.count - 1, values.count == columns.count else {
                issues.append(HostIssue(path: path, line: number + 1, message: "\(label.dropLast()): expected \(columns.count) per-CPU counts, found \(values.count)"))
                continue
            }
            counts[String(label.dropLast())] = Dictionary(uniqueKeysWithValues: zip(columns, values))
        }
    }

    public func count(_ name: String, cpu: Int) -> UInt64? { counts[name]?[cpu] }
}

/// /proc/net/softnet_stat: one hex row per online CPU with the backlog's counters.
public struct SoftnetStat: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// Packets taken off the backlog/NAPI by this CPU.
        public var processed: UInt64
        /// Packets dropped because the backlog queue was full (netdev_max_backlog).
        public var dropped: UInt64
        /// Times the NAPI budget or time ran out with work left (netdev_budget).
        public var timeSqueeze: UInt64
        /// Times this CPU was woken by RPS to process packets another CPU steered to it.
        public var receivedRPS: UInt64
        /// Packets dropped by the flow limit.
        public var flowLimitCount: UInt64

        public init(processed: UInt64, dropped: UInt64, timeSqueeze: UInt64, receivedRPS: UInt64, flowLimitCount: UInt64) {
            self.processed = processed
            self.dropped = dropped
            self.timeSqueeze = timeSqueeze
            self.receivedRPS = receivedRPS
            self.flowLimitCount = flowLimitCount
        }
    }

    public var cpus: [Int: Row]
    /// True when rows carried their CPU id (column 13, kernels 5.10 and later); otherwise rows
    /// were matched to the online CPUs in order.
    public var hadCPUColumn: Bool
    public var issues: [HostIssue]

    public init(cpus: [Int: Row] = [:], hadCPUColumn: Bool = false, issues: [HostIssue] = []) {
        self.cpus = cpus
        self.hadCPUColumn = hadCPUColumn
        self.issues = issues
    }

    /// Parses the file. `online` is the CPU list read at the same moment, used when the kernel
    /// does not print the CPU id; without either, rows are numbered from 0.
    public init(parsing text: String, online: CPUSet, path: String = "/proc/net/softnet_stat") {
        self.init()
        let onlineCPUs = Array(online)
        var rows: [(cpu: Int?, row: Row)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            let values = line.split(separator: " ").map { UInt64($0, radix: 16) }
            guard values.count >= 3, values.allSatisfy({ $0 != nil }) else {
                issues.append(HostIssue(path: path, line: number + 1, message: "expected hexadecimal counters, line is truncated or malformed"))
                continue
            }
            let fields = values.map { $0! }
            let row = Row(
                processed: fields[0], dropped: fields[1], timeSqueeze: fields[2],
                receivedRPS: fields.count > 9 ? fields[9] : 0, flowLimitCount: fields.count > 10 ? fields[10] : 0)
            rows.append((fields.count > 12 ? Int(fields[12]) : nil, row))
        }
        hadCPUColumn = !rows.isEmpty && rows.allSatisfy { $0.cpu != nil }
        if hadCPUColumn {
            for entry in rows { cpus[entry.cpu!] = entry.row }
            return
        }
        if !onlineCPUs.isEmpty && onlineCPUs.count != rows.count {
            issues.append(
                HostIssue(path: path, message: "\(rows.count) rows for \(onlineCPUs.count) online CPUs and no CPU id column: rows matched by position may be off"))
        }
        for (position, entry) in rows.enumerated() {
            let cpu = position < onlineCPUs.count ? onlineCPUs[position] : position
            cpus[cpu] = entry.row
        }
    }
}
