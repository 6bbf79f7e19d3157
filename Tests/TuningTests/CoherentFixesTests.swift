import CMTuneTestSupport
import HostKit
import Testing
import Tuning

/// The "by hand" fixes of several NICs are one plan: no two first queues on one CPU, and the
/// very values `cmtune spread` would write.
@Suite("Coherent manual fixes")
struct CoherentFixesTests {
    static func read(_ host: SyntheticHost) -> (HostInventory, CPUTopology, FixtureTree) {
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, detail: .full, issues: &issues)
        return (inventory, topology, tree)
    }

    /// `echo CPU > /proc/irq/N/smp_affinity_list` commands of a manual fix, as IRQ -> CPU.
    static func placements(_ fix: String?) -> [Int: String] {
        var result: [Int: String] = [:]
        for command in (fix ?? "").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where command.contains("/proc/irq/") {
            let parts = command.split(separator: " ")
            guard parts.count == 4, let irq = Int(parts[3].split(separator: "/")[2]) else { continue }
            result[irq] = String(parts[1])
        }
        return result
    }

    @Test("two NICs with every IRQ on CPU 0: their fixes use different CPUs and equal spread's plan")
    func twoNICs() throws {
        var host = SyntheticHost.healthy()
        host.nodes = [CPUSet(0..<8)]
        host.nics[0].numaNode = 0
        host.nics[1].numaNode = 0
        host.nics[0].effective = { _ in [0] }
        host.nics[1].effective = { _ in [0] }
        host.nics.removeLast()
        var (inventory, topology, _) = Self.read(host)
        CoherentFixes.apply(to: &inventory, topology: topology)
        let fixes = inventory.interfaces.compactMap { report in report.observations.first { $0.code == "irqs-on-one-cpu" }?.manualFix }
        #expect(fixes.count == 2)
        let eth0 = Self.placements(fixes[0])
        let eth1 = Self.placements(fixes[1])
        // Eight vectors on eight CPUs: each moves somewhere else, except the one planned to stay on CPU 0.
        #expect(eth0.count + eth1.count == 7)
        #expect(Set(eth0.values).isDisjoint(with: Set(eth1.values)), "\(eth0) \(eth1)")
        #expect(!eth0.values.contains("0") && !eth1.values.contains("0"))
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(channels: .keep)).plan()
        let planned = plan.writes.compactMap { write -> (Int, String)? in write.irq.map { ($0, write.new) } }
        #expect(planned.count == 7)
        for (irq, cpu) in planned { #expect((eth0[irq] ?? eth1[irq]) == cpu, "IRQ \(irq)") }
    }

    @Test("a single-queue NIC's RPS fix writes the mask spread plans, not one of its own")
    func rpsMask() throws {
        var host = SyntheticHost()
        host.cpus = 4
        host.nodes = [CPUSet(0..<4)]
        host.nics = [
            .init(
                name: "eth0", driver: "virtio_net", pciAddress: "0000:00:03.0", virtio: "virtio0", numaNode: -1, queues: 1,
                vectorNames: ["virtio0-input.0", "virtio0-output.0"], extraIRQs: ["virtio0-config"])
        ]
        var (inventory, topology, _) = Self.read(host)
        CoherentFixes.apply(to: &inventory, topology: topology)
        let finding = try #require(inventory.interfaces.first?.observations.first { $0.code == "single-queue-no-rps" })
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(channels: .keep)).plan()
        let rps = try #require(plan.writes.first { if case .rps = $0.kind { return true } else { return false } })
        #expect(finding.manualFix?.contains("echo \(rps.new) > /sys/class/net/eth0/queues/rx-0/rps_cpus") == true, "\(finding.manualFix ?? "")")
        // The IRQ's own CPU is left out of RPS (it already does the interrupt work).
        let irqCPU = try #require(plan.placements.first?.after.first)
        #expect(!(try CPUSet(parsingMask: rps.new)).contains(irqCPU))
    }
}
