import HostKit

/// The "by hand" commands of every finding, taken from one plan for the whole host: the plan
/// `cmtune spread` would carry out with its defaults. Fixes computed per interface would put
/// two NICs' first queues on the same CPU, and a mask worked out apart from the planner would
/// differ from what `spread` writes; one plan cannot.
public enum CoherentFixes {
    /// The codes whose manual fix is a placement or steering change.
    static let placementCodes: Set<String> = [
        "irqs-on-one-cpu", "remote-numa-irq", "irq-on-isolated-cpu", "single-queue-no-rps", "rps-on-one-cpu", "rfs-inconsistent",
    ]

    /// Replaces the manual fixes of placement findings in `inventory` with the shell form of
    /// the spread plan's writes for their interface.
    public static func apply(to inventory: inout HostInventory, topology: CPUTopology) {
        // No placement finding, no fix to write: the plan of a large host is not made for nothing.
        guard inventory.interfaces.contains(where: { $0.observations.contains { placementCodes.contains($0.code) } }) else { return }
        let policy = SpreadPolicy(channels: .keep, irqbalance: .ignore)
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: policy).plan()
        guard plan.refusals.isEmpty else { return }
        for index in inventory.interfaces.indices {
            let name = inventory.interfaces[index].name
            let commands = self.commands(plan, interface: name)
            for position in inventory.interfaces[index].observations.indices {
                let code = inventory.interfaces[index].observations[position].code
                guard placementCodes.contains(code) else { continue }
                inventory.interfaces[index].observations[position].manualFix = commands.isEmpty ? nil : commands.joined(separator: "; ")
            }
        }
    }

    /// `echo VALUE > /path` for each write of the plan that concerns `interface`, in plan order
    /// (IRQs, then RPS, RFS and the global RFS table, then XPS).
    static func commands(_ plan: SpreadPlan, interface: String) -> [String] {
        let irqs = Set(plan.placements.filter { $0.interface == interface }.compactMap(\.irq))
        var commands: [String] = []
        var touchesRFS = false
        for write in plan.writes {
            switch write.kind {
            case .irqAffinity(let irq) where irqs.contains(irq): break
            case .rps(let name, _) where name == interface: break
            case .xps(let name, _) where name == interface: break
            case .rfsFlowCount(let name, _) where name == interface: touchesRFS = true
            default: continue
            }
            commands.append(shell(write))
        }
        if touchesRFS, let global = plan.writes.first(where: { $0.kind == .sockFlowEntries }) { commands.append(shell(global)) }
        return commands
    }

    static func shell(_ write: PlannedWrite) -> String {
        if case .sysctl(let name) = write.kind { return "sysctl -w \(name)=\"\(write.new)\"" }
        return "echo \(write.new) > /\(write.path)"
    }
}
