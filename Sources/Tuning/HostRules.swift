import HostKit

/// Rules about the host as a whole: irqbalance, and the limits a CM host needs.
enum HostRules {
    static let codes = ["irqbalance-running", "sysctl-below-recommended", "devices-of-other-namespace"]

    static func irqbalance(_ processes: [ProcessScan.Process]) -> [Observation] {
        guard let first = processes.first else { return [] }
        return [
            Observation(
                code: "irqbalance-running", severity: .warning, subject: "irqbalance",
                evidence:
                    "irqbalance is running (pid \(processes.map { String($0.pid) }.joined(separator: ", "))): it rewrites IRQ affinity every 10 s and will undo any manual placement",
                fix:
                    "systemctl disable --now irqbalance  # or add the NIC's IRQs to IRQBALANCE_BANNED_CPULIST / --banirq in /etc/default/irqbalance (pid \(first.pid))"
            )
        ]
    }

    static func sysctls(_ values: [String: String], context: SysctlContext) -> [Observation] {
        SysctlAdvice(values: values, context: context).items.map { item in
            let commands =
                ["sysctl -w \(item.name)=\"\(item.recommended)\"", "echo '\(item.configurationLine)' >> \(SysctlPersistence.path)"] + item.companionCommands
            return Observation(
                code: "sysctl-below-recommended", severity: .warning, subject: item.name,
                evidence: "\(item.name) is \(item.found.map { $0.isEmpty ? "unset" : $0 } ?? "absent"); a CM host needs \(item.recommended): \(item.reason)"
                    + (item.context.map { "; \($0)" } ?? ""),
                fix: "cmtune sysctl --apply --persist", manualFix: commands.joined(separator: "; "))
        }
    }
}
