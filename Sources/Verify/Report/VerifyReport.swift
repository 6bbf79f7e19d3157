import Load

/// Everything `cmtune verify` found, in one value: what the HTML report (`html()`), the JSON
/// (`--json`) and the terminal summary are made from, so the three never disagree.
///
/// Fractions are 0...1 of one CPU's time; times are seconds unless the name says otherwise.
public struct VerifyReport: Sendable, Codable, Equatable {
    public enum Verdict: String, Sendable, Codable, Equatable {
        case pass, fail
    }

    /// One second of one CPU: where its time went.
    public struct CPUShare: Sendable, Codable, Equatable {
        public var user: Double
        public var system: Double
        public var irq: Double
        public var softirq: Double

        public init(user: Double, system: Double, irq: Double, softirq: Double) {
            self.user = user
            self.system = system
            self.irq = irq
            self.softirq = softirq
        }

        /// Busy = everything but idle, iowait and steal.
        public var busy: Double { user + system + irq + softirq }
    }

    /// One sampling interval: seconds since the run started, and each CPU's share, in the
    /// order of `cpus`.
    public struct Interval: Sendable, Codable, Equatable {
        public var offset: Double
        public var cpus: [CPUShare]

        public init(offset: Double, cpus: [CPUShare]) {
            self.offset = offset
            self.cpus = cpus
        }
    }

    /// One CM event loop thread.
    public struct LoopRow: Sendable, Codable, Equatable {
        public var index: Int
        public var threadID: Int
        /// The CPU it is pinned to; nil when not pinned.
        public var pinnedCPU: Int?
        /// The CPU it ran on last (/proc/PID/task/TID/stat field 39).
        public var lastCPU: Int?
        public var connections: Int
        /// Mean share of one CPU the thread used over the run.
        public var busy: Double

        public init(index: Int, threadID: Int, pinnedCPU: Int?, lastCPU: Int?, connections: Int, busy: Double) {
            self.index = index
            self.threadID = threadID
            self.pinnedCPU = pinnedCPU
            self.lastCPU = lastCPU
            self.connections = connections
            self.busy = busy
        }
    }

    /// What the load generator measured.
    public struct LoadSummary: Sendable, Codable, Equatable {
        public var connectionsOK: Int
        public var connectionsFailed: Int
        public var sent: Int
        public var acked: Int
        public var delivered: Int
        public var lost: Int
        /// Messages per second actually sent over the measured window.
        public var rate: Double
        public var latency: Latency?

        public init(connectionsOK: Int, connectionsFailed: Int, sent: Int, acked: Int, delivered: Int, lost: Int, rate: Double, latency: Latency?) {
            self.connectionsOK = connectionsOK
            self.connectionsFailed = connectionsFailed
            self.sent = sent
            self.acked = acked
            self.delivered = delivered
            self.lost = lost
            self.rate = rate
            self.latency = latency
        }
    }

    /// End-to-end delivery latency in milliseconds, as the load generator summarised it.
    public typealias Latency = LoadResult.Latency

    /// A NIC queue and where its work goes.
    public struct QueueRow: Sendable, Codable, Equatable {
        public var interface: String
        public var queue: String
        public var irq: Int?
        /// CPU list text ("0-3"), as the kernel would print it.
        public var irqAffinity: String?
        public var rpsCPUs: String?
        public var xpsCPUs: String?

        public init(interface: String, queue: String, irq: Int?, irqAffinity: String?, rpsCPUs: String?, xpsCPUs: String?) {
            self.interface = interface
            self.queue = queue
            self.irq = irq
            self.irqAffinity = irqAffinity
            self.rpsCPUs = rpsCPUs
            self.xpsCPUs = xpsCPUs
        }
    }

    /// A problem `diagnose` (or verify itself) found, with its evidence and the fix.
    public struct Finding: Sendable, Codable, Equatable {
        /// "critical", "warning" or "info".
        public var severity: String
        public var code: String
        public var title: String
        public var evidence: String
        public var fix: String?

        public init(severity: String, code: String, title: String, evidence: String, fix: String?) {
            self.severity = severity
            self.code = code
            self.title = title
            self.evidence = evidence
            self.fix = fix
        }
    }

    public var host: String
    public var kernel: String
    /// ISO 8601, UTC.
    public var startedAt: String
    public var duration: Double
    public var verdict: Verdict
    /// Balance ratios above this fail.
    public var threshold: Double
    /// Busiest CPU's mean busy share over the mean of all CPUs' (1.0 is perfect).
    public var cpuBalance: Double
    /// Busiest CM loop's mean busy share over the mean of the loops'; nil without loop data.
    public var loopBalance: Double?
    /// The busiest CPU's share of all softirq time (1/N is even; 1.0 is all on one CPU).
    public var softirqConcentration: Double?
    /// One sentence per reason the verdict is what it is.
    public var reasons: [String]
    /// The CPU ids, in the order of every `Interval.cpus`.
    public var cpus: [Int]
    public var intervals: [Interval]
    public var loops: [LoopRow]
    public var load: LoadSummary?
    public var queues: [QueueRow]
    public var findings: [Finding]
    /// Each CPU's mean share over the run, in the order of `cpus` (also in the JSON, so a script
    /// need not average the intervals).
    public var cpuMeans: [CPUShare]

    public init(
        host: String, kernel: String, startedAt: String, duration: Double, verdict: Verdict, threshold: Double,
        cpuBalance: Double, loopBalance: Double?, softirqConcentration: Double?, reasons: [String], cpus: [Int],
        intervals: [Interval], loops: [LoopRow], load: LoadSummary?, queues: [QueueRow], findings: [Finding]
    ) {
        self.host = host
        self.kernel = kernel
        self.startedAt = startedAt
        self.duration = duration
        self.verdict = verdict
        self.threshold = threshold
        self.cpuBalance = cpuBalance
        self.loopBalance = loopBalance
        self.softirqConcentration = softirqConcentration
        self.reasons = reasons
        self.cpus = cpus
        self.intervals = intervals
        self.loops = loops
        self.load = load
        self.queues = queues
        self.findings = findings
        cpuMeans = []
        cpuMeans = meanShares
    }

    /// Each CPU's mean share over all intervals, in the order of `cpus`.
    public var meanShares: [CPUShare] {
        guard !intervals.isEmpty else { return cpus.map { _ in CPUShare(user: 0, system: 0, irq: 0, softirq: 0) } }
        let count = Double(intervals.count)
        return cpus.indices.map { index in
            var sum = CPUShare(user: 0, system: 0, irq: 0, softirq: 0)
            for interval in intervals where index < interval.cpus.count {
                let share = interval.cpus[index]
                sum.user += share.user
                sum.system += share.system
                sum.irq += share.irq
                sum.softirq += share.softirq
            }
            return CPUShare(user: sum.user / count, system: sum.system / count, irq: sum.irq / count, softirq: sum.softirq / count)
        }
    }
}
