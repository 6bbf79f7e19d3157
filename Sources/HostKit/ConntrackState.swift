/// Connection tracking (nf_conntrack): when the table is full the kernel drops new connections
/// ("nf_conntrack: table full, dropping packet"), which on a CM host looks like a reconnect
/// storm that never settles.
///
/// The count and limit are sysctls that exist only while the module is loaded;
/// /proc/net/stat/nf_conntrack has a header naming the columns and one hexadecimal row per
/// possible CPU. Columns are matched by name because kernels renamed them (`searched` became
/// `clashres` in 5.x).
public struct ConntrackState: Sendable, Equatable {
    /// Entries in the table now (`nf_conntrack_count`).
    public var count: Int?
    /// The table's limit (`nf_conntrack_max`).
    public var maximum: Int?
    /// Per-CPU counters summed over CPUs: "drop", "early_drop", "insert_failed", ... except
    /// "entries", which every row repeats (it is the table size, not a per-CPU count) and is
    /// taken once.
    public var statistics: [String: UInt64]
    public var issues: [HostIssue]

    public init(count: Int? = nil, maximum: Int? = nil, statistics: [String: UInt64] = [:], issues: [HostIssue] = []) {
        self.count = count
        self.maximum = maximum
        self.statistics = statistics
        self.issues = issues
    }

    /// The columns that hold the same value on every row rather than a per-CPU count.
    static let sharedColumns: Set<String> = ["entries"]

    /// nil when neither the count nor the statistics exist (the module is not loaded).
    public static func read(from root: HostRoot) -> ConntrackState? {
        var state = ConntrackState()
        let countPath = "proc/sys/net/netfilter/nf_conntrack_count"
        let statisticsPath = "proc/net/stat/nf_conntrack"
        let hasCount = root.exists(countPath)
        let statisticsBytes = ProcText.read(statisticsPath, from: root, issues: &state.issues, missing: nil)
        guard hasCount || statisticsBytes != nil || !state.issues.isEmpty else { return nil }
        if hasCount {
            state.count = ProcText.singleCount(countPath, from: root, issues: &state.issues, missing: "conntrack count unknown")
            // Older kernels (and the initial namespace) also have net.nf_conntrack_max.
            let maximumPath =
                root.exists("proc/sys/net/netfilter/nf_conntrack_max") ? "proc/sys/net/netfilter/nf_conntrack_max" : "proc/sys/net/nf_conntrack_max"
            state.maximum = ProcText.singleCount(maximumPath, from: root, issues: &state.issues, missing: "conntrack table limit unknown")
        }
        if let statisticsBytes {
            let parsed = Self.statistics(parsing: statisticsBytes, path: root.absolute(statisticsPath))
            state.statistics = parsed.statistics
            state.issues += parsed.issues
        }
        return state
    }

    /// Parses /proc/net/stat/nf_conntrack: the header's names, then hexadecimal rows. A row
    /// with another column count is left out (its columns cannot be matched); a sum that
    /// would pass 64 bits is an issue and that column is left out.
    public static func statistics(parsing bytes: [UInt8], path: String) -> (statistics: [String: UInt64], issues: [HostIssue]) {
        var found = FileIssues(path: path)
        var names: [String]?
        var sums: [UInt64] = []
        var broken = Set<Int>()
        var rows = 0
        for (number, line) in ProcText.lines(bytes) {
            if ProcText.isBlank(line) { continue }
            let fields = ProcText.fields(line)
            guard let header = names else {
                let parsed = fields.compactMap { field -> String? in
                    guard let first = field.first, (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A else { return nil }
                    return ProcText.name(field)
                }
                guard parsed.count == fields.count else {
                    found.add(line: number, "expected a header of column names, found \(ProcText.quoted(line))")
                    return ([:], found.all)
                }
                names = parsed
                sums = Array(repeating: 0, count: parsed.count)
                continue
            }
            guard fields.count == header.count else {
                found.add(line: number, "expected \(header.count) hexadecimal columns, found \(fields.count); row left out")
                continue
            }
            var row: [UInt64] = []
            var rowProblem: String?
            for (index, field) in fields.enumerated() {
                switch ProcText.unsigned(field, radix: 16) {
                case .success(let value): row.append(value)
                case .failure(let problem):
                    rowProblem = ProcText.describe(problem, field, what: header[index])
                }
                if rowProblem != nil { break }
            }
            if let rowProblem {
                found.add(line: number, rowProblem + "; row left out")
                continue
            }
            rows += 1
            for (index, value) in row.enumerated() {
                if Self.sharedColumns.contains(header[index]) {
                    sums[index] = max(sums[index], value)
                    continue
                }
                let (sum, overflow) = sums[index].addingReportingOverflow(value)
                if overflow && broken.insert(index).inserted {
                    found.add(line: number, "\(header[index]): the sum over CPUs does not fit in 64 bits")
                }
                sums[index] = sum
            }
        }
        guard let header = names else {
            found.add(line: nil, "empty file: no header")
            return ([:], found.all)
        }
        guard rows > 0 else {
            // Zeros here would read as "no drops"; with no row the counts are unknown.
            found.add(line: nil, "no per-CPU rows")
            return ([:], found.all)
        }
        var statistics: [String: UInt64] = [:]
        for (index, name) in header.enumerated() where !broken.contains(index) {
            statistics[name] = sums[index]
        }
        return (statistics, found.all)
    }
}
