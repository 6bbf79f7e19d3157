/// The kernel's protocol counters from /proc/net/netstat (TcpExt, IpExt, MPTcpExt) and
/// /proc/net/snmp (Ip, Icmp, Tcp, Udp...): the evidence for listen-queue overflows, memory
/// pressure, pruned receive queues and retransmits on a connection-manager host.
///
/// Both files print pairs of lines, `Prefix: Name Name...` then `Prefix: v v...`, and the
/// kernel adds names over the years, so columns are matched by name, never by position. A
/// prefix may repeat (`IcmpMsg` prints 16 types per pair); its pairs are merged.
public struct ProtocolCounters: Sendable, Equatable {
    /// Counters by prefix, then name: `["TcpExt": ["ListenOverflows": 3, ...], "Tcp": [...]]`.
    public var values: [String: [String: UInt64]]
    /// The few fields the kernel prints signed and that are negative (`Tcp: MaxConn` is -1,
    /// "no fixed limit"); kept apart so `values` holds only counters.
    public var signedValues: [String: [String: Int64]] = [:]
    public var issues: [HostIssue]

    public init(values: [String: [String: UInt64]] = [:], issues: [HostIssue] = []) {
        self.values = values
        self.issues = issues
    }

    /// Parses one file's text; `path` names it in issues.
    public init(parsing bytes: [UInt8], path: String) {
        self.init()
        merge(parsing: bytes, path: path)
    }

    public func value(_ prefix: String, _ name: String) -> UInt64? {
        values[prefix]?[name]
    }

    /// Reads proc/net/netstat and proc/net/snmp (either may be missing: then its prefixes are
    /// absent and an issue says which counters are unknown).
    public static func read(from root: HostRoot) -> ProtocolCounters {
        var counters = ProtocolCounters()
        let files = [
            ("proc/net/netstat", "TcpExt and IpExt counters (listen overflows, pruning, memory pressure) unknown"),
            ("proc/net/snmp", "Ip, Tcp and Udp counters (retransmits, resets, receive errors) unknown"),
        ]
        for (path, consequence) in files {
            if let bytes = ProcText.read(path, from: root, issues: &counters.issues, missing: consequence) {
                counters.merge(parsing: bytes, path: root.absolute(path))
            }
        }
        return counters
    }

    /// Adds one file's pairs. A pair whose value count differs from its name count is left out
    /// whole: the kernel prints both lines together, so a mismatch means the line was cut or
    /// corrupted and the columns can no longer be matched.
    public mutating func merge(parsing bytes: [UInt8], path: String) {
        var found = FileIssues(path: path)
        var pending: (number: Int, prefix: String, names: [String])?
        var sawLine = false
        for (number, line) in ProcText.lines(bytes) {
            if ProcText.isBlank(line) { continue }
            sawLine = true
            var fields = ProcText.fields(line)
            guard let label = fields.first, label.count > 1, label.last == UInt8(ascii: ":"), let prefix = ProcText.name(label.dropLast()) else {
                found.add(line: number, "expected 'Prefix: ...', found \(ProcText.quoted(line))")
                pending = nil
                continue
            }
            fields.removeFirst()
            if let header = pending, header.prefix == prefix {
                pending = nil
                store(prefix: prefix, names: header.names, values: fields, line: number, issues: &found)
                continue
            }
            if let header = pending {
                found.add(line: header.number, "\(header.prefix): names without a value line")
            }
            var names: [String] = []
            for field in fields {
                guard let first = field.first, (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A, let name = ProcText.name(field) else {
                    found.add(line: number, "\(prefix): \(ProcText.quoted(field)) is not a counter name")
                    names = []
                    break
                }
                names.append(name)
            }
            pending = names.isEmpty ? nil : (number, prefix, names)
        }
        if let header = pending {
            found.add(line: header.number, "\(header.prefix): names without a value line (file cut short)")
        }
        if !sawLine { found.add(line: nil, "empty file") }
        issues.append(contentsOf: found.all)
    }

    private mutating func store(prefix: String, names: [String], values fields: [ArraySlice<UInt8>], line: Int, issues found: inout FileIssues) {
        guard fields.count == names.count else {
            found.add(line: line, "\(prefix): \(names.count) names but \(fields.count) values; pair left out")
            return
        }
        var table = values[prefix] ?? [:]
        for (name, field) in zip(names, fields) {
            switch ProcText.unsigned(field) {
            case .success(let value):
                table[name] = value
            case .failure(.negative):
                if let value = ProcText.signed(field) {
                    signedValues[prefix, default: [:]][name] = value
                } else {
                    found.add(line: line, ProcText.describe(.tooLarge, field, what: "\(prefix) \(name)"))
                }
            case .failure(let problem):
                found.add(line: line, ProcText.describe(problem, field, what: "\(prefix) \(name)"))
            }
        }
        values[prefix] = table
    }
}
