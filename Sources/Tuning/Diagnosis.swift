import HostKit

/// What `cmtune diagnose` concludes: findings ranked by severity, the verdict, and the per-CPU
/// utilisation it saw.
public struct Diagnosis: Sendable, Equatable {
    /// The Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    public enum Verdict: String, Sendable, Equatable {
        case ok, warning, critical, unknown

        public var exitCode: Int32 {
            switch self {
            case .ok: return 0
            case .warning: return 1
            case .critical: return 2
            case .unknown: return 3
            }
        }
    }

    /// What the judgement rests on.
    public enum Basis: String, Sendable, Equatable {
        /// Counters sampled twice on the live host: current rates.
        case sampled
        /// One reading with CPU counters and the uptime (a snapshot): averages since boot.
        case sinceBoot = "since-boot"
        /// One reading without CPU counters (a copy holding /proc/interrupts, sysfs...): a static
        /// verdict from the files and the interrupt counts since boot.
        case staticCopy = "static"
    }

    public var verdict: Verdict
    public var basis: Basis
    /// Most severe first; within a severity, the order the rules rank causes.
    public var findings: [Observation]
    /// Per-CPU rates over the sampling window (or since boot for a snapshot).
    public var rates: CounterRates?
    /// True when the rates and counts cover the time since boot, not a sampling window.
    public var ratesSinceBoot: Bool
    public var inventory: HostInventory
    public var sysctls: [String: String]
    public var issues: [HostIssue]
    /// Checks that could not run, and why (a named interface that does not exist, an input
    /// that could not be read): without a critical finding they make the verdict UNKNOWN.
    public var checksNotRun: [String]

    /// Runs every rule. `rates` is nil when counters could not be sampled; the static rules and
    /// the interrupt counts still judge, so a copy holding only /proc/interrupts gets a verdict.
    public init(
        inventory: HostInventory, rates: CounterRates?, ratesSinceBoot: Bool = false, sysctls: [String: String],
        irqbalance: [ProcessScan.Process], issues: [HostIssue] = [], checksNotRun: [String] = [], stack: StackEvidence? = nil
    ) {
        self.inventory = inventory
        self.rates = rates
        self.ratesSinceBoot = ratesSinceBoot
        self.sysctls = sysctls
        self.issues = issues.uniqued()
        self.checksNotRun = checksNotRun
        basis = rates == nil ? .staticCopy : ratesSinceBoot ? .sinceBoot : .sampled
        var staticFindings = Self.relevant(inventory.interfaces, rates: rates)
        var countFindings: [Observation] = []
        if let counts = InterruptCountRules.counts(rates: rates, sinceBoot: ratesSinceBoot || rates == nil, inventory: inventory) {
            countFindings = InterruptCountRules.findings(counts: counts, inventory: inventory, related: staticFindings)
            // The counted finding carries the affinity's word too: one finding per interface.
            let counted = Set(countFindings.filter { $0.code == "irqs-on-one-cpu" }.map(\.subject))
            staticFindings.removeAll { $0.code == "irqs-on-one-cpu" && counted.contains($0.subject) }
        }
        let related = staticFindings + countFindings
        var findings: [Observation] = []
        if let rates {
            findings += RateRules.findings(rates: rates, inventory: inventory, sysctls: sysctls, related: related, sinceBoot: ratesSinceBoot)
        }
        findings += related
        if let stack { findings += StackRules.findings(stack, inventory: inventory, sysctls: sysctls) }
        findings += HostRules.irqbalance(irqbalance)
        findings += HostRules.sysctls(sysctls, context: stack?.sysctlContext ?? SysctlContext())
        if let note = inventory.namespaceNote { findings.append(note) }
        self.findings = Self.ranked(findings)
        let nothingRead = rates == nil && inventory.interrupts.lines.isEmpty && inventory.interfaces.isEmpty
        if findings.contains(where: { $0.severity == .critical }) {
            verdict = .critical
        } else if !checksNotRun.isEmpty || nothingRead {
            verdict = .unknown
        } else if findings.contains(where: { $0.severity == .warning }) {
            verdict = .warning
        } else {
            verdict = .ok
        }
    }

    /// Virtual interfaces (veth, bridges, tunnels) matter when they carry traffic: a container
    /// host has hundreds, and a single-queue veth that receives nothing is not a problem. With
    /// rates, the ones receiving at least `RateRules.meaningfulNetRX` packets/s keep their
    /// findings, with their packet rate as evidence; without rates, hardware NICs only.
    static func relevant(_ reports: [InterfaceReport], rates: CounterRates?) -> [Observation] {
        var findings: [Observation] = []
        for report in reports where !report.interface.isLoopback {
            let received = rates?.interfaces[report.name]?.rx
            let isHardware = report.interface.device != nil || report.inferredFromIRQNames
            if !isHardware && (received ?? 0) < RateRules.meaningfulNetRX { continue }
            for var observation in report.observations {
                if let received, received >= RateRules.meaningfulNetRX, observation.code == "single-queue-no-rps" {
                    observation.evidence += "; it receives \(NumberText.grouped(received)) packets/s"
                }
                findings.append(observation)
            }
        }
        return findings
    }

    /// Severity first; a rule that names a cause (a queue layout) after the symptom it explains.
    static func ranked(_ findings: [Observation]) -> [Observation] {
        let order = RateRules.codes + InterruptCountRules.codes + StackRules.codes + InterfaceCheckOrder.codes + HostRules.codes
        func rank(_ code: String) -> Int { order.firstIndex(of: code) ?? order.count }
        return findings.enumerated().sorted { left, right in
            if left.element.severity != right.element.severity { return left.element.severity > right.element.severity }
            if rank(left.element.code) != rank(right.element.code) { return rank(left.element.code) < rank(right.element.code) }
            return left.offset < right.offset
        }.map(\.element)
    }
}

/// The static interface checks, in the order they explain a saturated CPU.
enum InterfaceCheckOrder {
    static let codes = [
        "irqs-on-one-cpu", "rps-on-one-cpu", "single-queue-no-rps", "rss-uneven", "fewer-channels-than-supported", "remote-numa-irq",
        "irq-on-isolated-cpu", "rfs-inconsistent", "mask-beyond-cpus", "wide-mask-one-cpu", "managed-irqs",
    ]
}
