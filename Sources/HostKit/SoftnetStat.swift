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

    /// Parses the whole file as read. `online` is the CPU list read at the same moment, used
    /// when the kernel does not print the CPU id; without either, rows are numbered from 0. A
    /// row with a field that is not hexadecimal or does not fit 64 bits is reported and left
    /// out, and so is a last line cut short (no newline).
    public init(parsing text: String, online: CPUSet, path: String = "/proc/net/softnet_stat") {
        self.init()
        let onlineCPUs = Array(online)
        var rows: [(cpu: Int?, row: Row)] = []
        let file = ProcFileLines(text, path: path)
        for (number, line) in file.lines {
            let fields: [UInt64]
            switch Self.fields(line.split(whereSeparator: { $0 == " " || $0 == "\t" })) {
            case .success(let values) where values.count >= 3: fields = values
            case .success(let values) where values.isEmpty: continue
            case .success:
                issues.append(HostIssue(path: path, line: number, message: "expected hexadecimal counters, line is truncated or malformed"))
                continue
            case .failure(let problem):
                issues.append(HostIssue(path: path, line: number, message: problem.description))
                continue
            }
            var cpu: Int?
            if fields.count > 12 {
                guard let id = Int(exactly: fields[12]), id <= CPUSet.maximumCPU else {
                    issues.append(
                        HostIssue(path: path, line: number, message: "CPU id \(fields[12]) in column 13 is beyond the largest CPU id \(CPUSet.maximumCPU)"))
                    continue
                }
                cpu = id
            }
            let row = Row(
                processed: fields[0], dropped: fields[1], timeSqueeze: fields[2],
                receivedRPS: fields.count > 9 ? fields[9] : 0, flowLimitCount: fields.count > 10 ? fields[10] : 0)
            rows.append((cpu, row))
        }
        issues.append(contentsOf: file.cutShort.map { [$0] } ?? [])
        hadCPUColumn = !rows.isEmpty && rows.allSatisfy { $0.cpu != nil }
        if hadCPUColumn {
            for entry in rows { cpus[entry.cpu!] = entry.row }
            return
        }
        if !onlineCPUs.isEmpty && onlineCPUs.count != rows.count {
            issues.append(
                HostIssue(
                    path: path, message: "\(rows.count) rows for \(onlineCPUs.count) online CPUs and no CPU id column: rows matched by position may be off"))
        }
        for (position, entry) in rows.enumerated() {
            let cpu = position < onlineCPUs.count ? onlineCPUs[position] : position
            cpus[cpu] = entry.row
        }
    }

    /// The columns `softnet_seq_show()` prints, from 1; the unnamed ones are always 0 now.
    static let columnNames = [1: "processed", 2: "dropped", 3: "time_squeeze", 10: "received_rps", 11: "flow_limit_count", 12: "backlog", 13: "CPU id"]

    private static func fields(_ tokens: [Substring]) -> Result<[UInt64], FieldProblem> {
        var values: [UInt64] = []
        for (position, token) in tokens.enumerated() {
            switch CounterField.hexadecimal(token.utf8) {
            case .value(let value): values.append(value)
            case .tooLarge:
                let column = "column \(position + 1)" + (columnNames[position + 1].map { " (\($0))" } ?? "")
                return .failure(FieldProblem(CounterField.tooLargeMessage(token.utf8, for: column)))
            case .notANumber:
                return .failure(FieldProblem("expected hexadecimal counters, found \(InputQuote.quoted(token))"))
            }
        }
        return .success(values)
    }
}
