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
