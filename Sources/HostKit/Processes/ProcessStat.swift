/// One line of `/proc/PID/stat` or `/proc/PID/task/TID/stat`: the fields cmtune uses.
///
/// The command name (field 2) is in parentheses and may itself hold spaces and parentheses
/// ("(sd-pam)", "(a) b)"), so fields are counted after the *last* closing parenthesis.
public struct ProcessStat: Sendable, Equatable {
    /// Field 1.
    public var id: Int
    /// Field 2, without its parentheses (at most 15 bytes: the kernel's TASK_COMM_LEN).
    public var command: String
    /// Field 3: R, S, D, Z, T...
    public var state: Character
    /// Fields 14 and 15, in clock ticks (sysconf(_SC_CLK_TCK) per second).
    public var userTicks: UInt64
    public var systemTicks: UInt64
    /// Field 39: the CPU it last ran on; nil on kernels too old to report it.
    public var processor: Int?

    public init(id: Int, command: String, state: Character, userTicks: UInt64, systemTicks: UInt64, processor: Int?) {
        self.id = id
        self.command = command
        self.state = state
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.processor = processor
    }

    /// User plus system time, in clock ticks.
    public var ticks: UInt64 { userTicks + systemTicks }

    /// Parses one stat line; nil when it is not one (cut short, no parentheses, not numbers).
    public init?(parsing line: some StringProtocol) {
        guard let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"), open < close,
            let id = Int(line[..<open].trimmingSpaces)
        else { return nil }
        let fields = line[line.index(after: close)...].split(whereSeparator: { $0 == " " || $0 == "\n" })
        // fields[0] is field 3, so field N is fields[N - 3]: utime (14) is fields[11], stime
        // (15) fields[12], processor (39) fields[36].
        guard fields.count > 12, let state = fields[0].first, fields[0].count == 1,
            let user = UInt64(fields[11]), let system = UInt64(fields[12])
        else { return nil }
        self.init(
            id: id, command: String(line[line.index(after: open)..<close]), state: state, userTicks: user,
            systemTicks: system, processor: fields.count > 36 ? Int(fields[36]) : nil)
    }

    /// Reads `proc/PID/stat` (or `proc/PID/task/TID/stat` with `thread`) under `root`.
    public static func read(pid: Int32, thread: Int? = nil, from root: HostRoot) throws(HostError) -> ProcessStat? {
        let path = thread.map { "proc/\(pid)/task/\($0)/stat" } ?? "proc/\(pid)/stat"
        return ProcessStat(parsing: try root.read(path))
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: SubSequence {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
