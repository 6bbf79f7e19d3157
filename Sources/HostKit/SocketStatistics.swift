/// /proc/net/sockstat (and sockstat6): how many TCP sockets exist, how many are orphaned or in
/// TIME-WAIT, and how much memory TCP holds — the numbers that, next to `TCPLimits`, show a
/// host about to refuse or drop connections ("out of memory -- consider tuning tcp_mem",
/// "too many orphaned sockets").
///
/// Lines are `KIND: name value name value...`: `sockets: used 36`,
/// `TCP: inuse 1 orphan 0 tw 17 alloc 1 mem 276`, `TCP6: inuse 0`.
public struct SocketStatistics: Sendable, Equatable {
    /// TCP sockets in use, IPv4 and IPv6 together (`TCP: inuse` plus sockstat6's `TCP6: inuse`
    /// when that file exists; the kernel counts the two families apart).
    public var tcpInUse: Int?
    /// The IPv6 part of `tcpInUse` (nil when sockstat6 is absent: IPv6 disabled).
    public var tcp6InUse: Int?
    /// Sockets closed by their process but still sending (bounded by tcp_max_orphans); shared
    /// by both families.
    public var tcpOrphans: Int?
    /// Connections in TIME-WAIT (bounded by tcp_max_tw_buckets).
    public var tcpTimeWait: Int?
    /// TCP sockets allocated, in any state.
    public var tcpAllocated: Int?
    /// Pages of memory TCP holds (the unit of net.ipv4.tcp_mem).
    public var tcpMemoryPages: Int?
    /// Sockets of every kind (`sockets: used`).
    public var socketsUsed: Int?
    public var issues: [HostIssue]

    public init(
        tcpInUse: Int? = nil, tcp6InUse: Int? = nil, tcpOrphans: Int? = nil, tcpTimeWait: Int? = nil, tcpAllocated: Int? = nil,
        tcpMemoryPages: Int? = nil, socketsUsed: Int? = nil, issues: [HostIssue] = []
    ) {
        self.tcpInUse = tcpInUse
        self.tcp6InUse = tcp6InUse
        self.tcpOrphans = tcpOrphans
        self.tcpTimeWait = tcpTimeWait
        self.tcpAllocated = tcpAllocated
        self.tcpMemoryPages = tcpMemoryPages
        self.socketsUsed = socketsUsed
        self.issues = issues
    }

    /// Parses sockstat's text and, when given, sockstat6's.
    public init(parsing bytes: [UInt8], path: String, ipv6 bytes6: [UInt8]? = nil, ipv6Path: String = "/proc/net/sockstat6") {
        self.init()
        var found = FileIssues(path: path)
        let table = Self.table(bytes, issues: &found)
        func take(_ kind: String, _ name: String) -> Int? {
            guard let row = table[kind] else { return nil }
            guard let field = row.values[name] else {
                found.add(line: row.line, "\(kind) has no '\(name)' value")
                return nil
            }
            switch ProcText.count(field) {
            case .success(let value): return value
            case .failure(let problem):
                found.add(line: row.line, ProcText.describe(problem, field, what: "\(kind) \(name)"))
                return nil
            }
        }
        if table["TCP"] == nil { found.add(line: nil, "no 'TCP:' line") }
        let tcp4 = take("TCP", "inuse")
        tcpOrphans = take("TCP", "orphan")
        tcpTimeWait = take("TCP", "tw")
        tcpAllocated = take("TCP", "alloc")
        tcpMemoryPages = take("TCP", "mem")
        socketsUsed = take("sockets", "used")
        issues = found.all
        tcpInUse = tcp4
        guard let bytes6 else { return }  // no IPv6 (or not asked): the IPv4 count is the total
        var found6 = FileIssues(path: ipv6Path)
        let table6 = Self.table(bytes6, issues: &found6)
        if let row = table6["TCP6"] {
            if let field = row.values["inuse"] {
                switch ProcText.count(field) {
                case .success(let value): tcp6InUse = value
                case .failure(let problem): found6.add(line: row.line, ProcText.describe(problem, field, what: "TCP6 inuse"))
                }
            } else {
                found6.add(line: row.line, "TCP6 has no 'inuse' value")
            }
        } else {
            found6.add(line: nil, "no 'TCP6:' line")
        }
        // With sockstat6 present, a total without its count would be the IPv4 part passed off
        // as the whole: unknown instead.
        if let tcp4, let tcp6 = tcp6InUse {
            let (sum, overflow) = tcp4.addingReportingOverflow(tcp6)
            if overflow { found6.add(line: nil, "TCP inuse plus TCP6 inuse does not fit") }
            tcpInUse = overflow ? nil : sum
        } else {
            tcpInUse = nil
        }
        issues += found6.all
    }

    /// nil when proc/net/sockstat is absent (a partial snapshot); sockstat6 is optional.
    public static func read(from root: HostRoot) -> SocketStatistics? {
        var readIssues: [HostIssue] = []
        guard let bytes = ProcText.read("proc/net/sockstat", from: root, issues: &readIssues, missing: nil) else {
            return readIssues.isEmpty ? nil : SocketStatistics(issues: readIssues)
        }
        let bytes6 = ProcText.read("proc/net/sockstat6", from: root, issues: &readIssues, missing: nil)
        var statistics = SocketStatistics(
            parsing: bytes, path: root.absolute("proc/net/sockstat"), ipv6: bytes6, ipv6Path: root.absolute("proc/net/sockstat6"))
        statistics.issues = readIssues + statistics.issues
        return statistics
    }

    /// One `KIND: name value...` line: its number and its values by name, unparsed.
    struct Row {
        var line: Int
        var values: [String: ArraySlice<UInt8>]
    }

    /// `KIND: name value...` lines by kind; a line with a name and no value is reported.
    private static func table(_ bytes: [UInt8], issues found: inout FileIssues) -> [String: Row] {
        var rows: [String: Row] = [:]
        var sawLine = false
        for (number, line) in ProcText.lines(bytes) {
            if ProcText.isBlank(line) { continue }
            sawLine = true
            var fields = ProcText.fields(line)
            guard let label = fields.first, label.count > 1, label.last == UInt8(ascii: ":"), let kind = ProcText.name(label.dropLast()) else {
                found.add(line: number, "expected 'KIND: name value ...', found \(ProcText.quoted(line))")
                continue
            }
            fields.removeFirst()
            guard fields.count % 2 == 0 else {
                found.add(line: number, "\(kind): names and values do not pair up (\(fields.count) fields); line left out")
                continue
            }
            var row = Row(line: number, values: [:])
            var index = 0
            while index < fields.count {
                guard let name = ProcText.name(fields[index]) else {
                    found.add(line: number, "\(kind): \(ProcText.quoted(fields[index])) is not a name")
                    break
                }
                row.values[name] = fields[index + 1]
                index += 2
            }
            if rows[kind] == nil { rows[kind] = row }
        }
        if !sawLine { found.add(line: nil, "empty file") }
        return rows
    }
}
