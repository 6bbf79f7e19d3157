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

    /// Parses /proc/stat, the whole file as read. Lines other than `cpuN` are ignored; a `cpuN`
    /// line with fewer than the four fields every kernel prints (user nice system idle), with a
    /// field that is not a number or does not fit 64 bits, is reported and skipped, and so is
    /// a last line cut short (no newline).
    public init(parsing text: String, path: String = "/proc/stat") {
        self.init()
        let file = ProcFileLines(text, path: path)
        for (number, line) in file.lines {
            guard line.hasPrefix("cpu"), let space = line.firstIndex(of: " ") else { continue }
            let label = line[line.index(line.startIndex, offsetBy: 3)..<space]
            guard !label.isEmpty else { continue }  // the all-CPU "cpu" line
            guard let cpu = CounterField.decimal(label.utf8).value.flatMap({ Int(exactly: $0) }) else {
                issues.append(HostIssue(path: path, line: number, message: "unexpected label \(InputQuote.quoted("cpu" + label))"))
                continue
            }
            switch Self.ticks(line[space...].split(separator: " ")) {
            case .success(let values) where values.count >= 4:
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
            case .success:
                issues.append(HostIssue(path: path, line: number, message: "CPU \(cpu): expected at least 4 tick counts, line is truncated or malformed"))
            case .failure(let problem):
                issues.append(HostIssue(path: path, line: number, message: "CPU \(cpu): \(problem.description)"))
            }
        }
        issues.append(contentsOf: file.cutShort.map { [$0] } ?? [])
        if cpus.isEmpty && issues.isEmpty {
            issues.append(HostIssue(path: path, message: "no per-CPU lines (cpuN) found"))
        }
    }

    /// The columns of a `cpuN` line, in the kernel's order.
    static let columnNames = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice"]

    private static func ticks(_ tokens: [Substring]) -> Result<[UInt64], FieldProblem> {
        var values: [UInt64] = []
        for (position, token) in tokens.enumerated() {
            switch CounterField.decimal(token.utf8) {
            case .value(let value): values.append(value)
            case .tooLarge:
                let column = position < columnNames.count ? "\(columnNames[position]) ticks" : "column \(position + 1)"
                return .failure(FieldProblem(CounterField.tooLargeMessage(token.utf8, for: column)))
            case .notANumber:
                return .failure(FieldProblem("expected tick counts, found \(InputQuote.quoted(token))"))
            }
        }
        return .success(values)
    }
}
