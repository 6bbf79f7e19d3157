/// The TCP limits that `SocketStatistics` is measured against: net.ipv4.tcp_mem (pages: below
/// `low` no pressure, above `pressure` the kernel shrinks buffers, at `high` it refuses memory
/// and drops), tcp_max_orphans and tcp_max_tw_buckets (past them the kernel kills orphans and
/// skips TIME-WAIT, logging "too many orphaned sockets" / "TCP: time wait bucket table
/// overflow").
public struct TCPLimits: Sendable, Equatable {
    public var memoryLowPages: Int?
    public var memoryPressurePages: Int?
    public var memoryHighPages: Int?
    public var maxOrphans: Int?
    public var maxTimeWaitBuckets: Int?
    public var issues: [HostIssue]

    public init(
        memoryLowPages: Int? = nil, memoryPressurePages: Int? = nil, memoryHighPages: Int? = nil, maxOrphans: Int? = nil,
        maxTimeWaitBuckets: Int? = nil, issues: [HostIssue] = []
    ) {
        self.memoryLowPages = memoryLowPages
        self.memoryPressurePages = memoryPressurePages
        self.memoryHighPages = memoryHighPages
        self.maxOrphans = maxOrphans
        self.maxTimeWaitBuckets = maxTimeWaitBuckets
        self.issues = issues
    }

    /// Reads the three sysctls. Every kernel with IPv4 has them, so a missing one is an issue,
    /// not silence: a partial snapshot, or a network namespace other than the host's (tcp_mem
    /// and tcp_max_orphans are global and shown only in the initial namespace).
    public static func read(from root: HostRoot) -> TCPLimits {
        var limits = TCPLimits()
        let memoryPath = Sysctl.path("net.ipv4.tcp_mem")
        if let bytes = ProcText.read(
            memoryPath, from: root, issues: &limits.issues, missing: "TCP memory limits unknown (partial snapshot, or not the host's network namespace)")
        {
            let fields = bytes.split(separator: 0x0A, maxSplits: 1).first.map(ProcText.fields) ?? []
            if fields.count != 3 {
                limits.issues.append(
                    HostIssue(path: root.absolute(memoryPath), line: 1, message: "expected 3 page counts (low pressure high), found \(fields.count)"))
            } else {
                var pages: [Int?] = []
                for (field, name) in zip(fields, ["low", "pressure", "high"]) {
                    switch ProcText.count(field) {
                    case .success(let value): pages.append(value)
                    case .failure(let problem):
                        limits.issues.append(HostIssue(path: root.absolute(memoryPath), line: 1, message: ProcText.describe(problem, field, what: name)))
                        pages.append(nil)
                    }
                }
                limits.memoryLowPages = pages[0]
                limits.memoryPressurePages = pages[1]
                limits.memoryHighPages = pages[2]
            }
        }
        limits.maxOrphans = ProcText.singleCount(
            Sysctl.path("net.ipv4.tcp_max_orphans"), from: root, issues: &limits.issues,
            missing: "orphan limit unknown (partial snapshot, or not the host's network namespace)")
        limits.maxTimeWaitBuckets = ProcText.singleCount(
            Sysctl.path("net.ipv4.tcp_max_tw_buckets"), from: root, issues: &limits.issues, missing: "TIME-WAIT limit unknown")
        return limits
    }
}
