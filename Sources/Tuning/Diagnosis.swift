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

    public var verdict: Verdict
    /// Most severe first; within a severity, the order the rules rank causes.
    public var findings: [Observation]
    /// Per-CPU rates over the sampling window (or since boot for a snapshot).
    public var rates: CounterRates?
    /// True when the rates cover the time since boot, not a sampling window (a snapshot).
    public var ratesSinceBoot: Bool
    public var inventory: HostInventory
    public var sysctls: [String: String]
    public var issues: [HostIssue]

    /// Runs every rule. `rates` is nil when counters could not be sampled; the static rules
    /// still run, so a snapshot without counters still gets its findings.
    public init(
        inventory: HostInventory, rates: CounterRates?, ratesSinceBoot: Bool = false, sysctls: [String: String],
        irqbalance: [ProcessScan.Process], issues: [HostIssue] = []
    ) {
        self.inventory = inventory
        self.rates = rates
        self.ratesSinceBoot = ratesSinceBoot
        self.sysctls = sysctls
        self.issues = issues
        let staticFindings = Self.relevant(inventory.interfaces, rates: rates)
        var findings: [Observation] = []
        if let rates {
            findings += RateRules.findings(rates: rates, inventory: inventory, sysctls: sysctls, related: staticFindings, sinceBoot: ratesSinceBoot)
        }
        findings += staticFindings
        findings += HostRules.irqbalance(irqbalance)
        findings += HostRules.sysctls(sysctls)
        if let note = inventory.namespaceNote { findings.append(note) }
        self.findings = Self.ranked(findings)
        if findings.contains(where: { $0.severity == .critical }) {
            verdict = .critical
        } else if findings.contains(where: { $0.severity == .warning }) {
            verdict = .warning
        } else if rates == nil && inventory.interrupts.lines.isEmpty && inventory.interfaces.isEmpty {
            verdict = .unknown
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
        let order = RateRules.codes + InterfaceCheckOrder.codes + HostRules.codes
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
        "irqs-on-one-cpu", "single-queue-no-rps", "rss-uneven", "fewer-channels-than-supported", "remote-numa-irq",
        "irq-on-isolated-cpu", "rfs-inconsistent", "mask-beyond-cpus", "wide-mask-one-cpu", "managed-irqs",
    ]
}
