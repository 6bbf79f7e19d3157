import HostKit

/// Rules about the host as a whole: irqbalance, and the limits a CM host needs.
enum HostRules {
    static let codes = ["irqbalance-running", "sysctl-below-recommended", "devices-of-other-namespace"]

    static func irqbalance(_ processes: [ProcessScan.Process]) -> [Observation] {
        guard let first = processes.first else { return [] }
        return [
            Observation(
                code: "irqbalance-running", severity: .warning, subject: "irqbalance",
                evidence: "irqbalance is running (pid \(processes.map { String($0.pid) }.joined(separator: ", "))): it rewrites IRQ affinity every 10 s and will undo any manual placement",
                fix: "systemctl disable --now irqbalance  # or add the NIC's IRQs to IRQBALANCE_BANNED_CPULIST / --banirq in /etc/default/irqbalance (pid \(first.pid))")
        ]
    }

    static func sysctls(_ values: [String: String]) -> [Observation] {
        SysctlRecommendation.connectionManagerHost.compactMap { recommendation in
            guard let found = values[recommendation.name], !recommendation.isMet(found) else { return nil }
            return Observation(
                code: "sysctl-below-recommended", severity: .warning, subject: recommendation.name,
                evidence: "\(recommendation.name) is \(found); a CM host needs \(recommendation.value): \(recommendation.reason)",
                fix: "sysctl -w \(recommendation.name)=\"\(recommendation.value)\"  # persist in /etc/sysctl.d/90-cmtune.conf")
        }
    }
}
