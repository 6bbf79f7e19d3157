import HostKit
import Tuning

/// The CPUs that take the NIC interrupts `cmtune spread` placed, read from the snapshots in
/// force (applied, not restored) and the IRQs' effective affinity now. nil when cmtune has not
/// placed any: then nobody knows where interrupts will land, and `cm serve --pin auto` uses
/// every CPU.
enum PlacedInterrupts {
    static func cpus(stateDirectory: String, root: HostRoot) -> CPUSet? {
        let store = SnapshotStore(directory: stateDirectory)
        guard let chain = try? store.chain(root: root, identity: HostIdentity.read(from: root)), !chain.isEmpty else { return nil }
        let irqs = Set(
            chain.flatMap(\.files).compactMap { file -> Int? in
                // /proc/irq/N/smp_affinity(_list)
                let parts = file.path.split(separator: "/")
                guard parts.count == 4, parts[0] == "proc", parts[1] == "irq", parts[3].hasPrefix("smp_affinity") else { return nil }
                return Int(parts[2])
            })
        guard !irqs.isEmpty else { return nil }
        var issues: [HostIssue] = []
        var cpus = CPUSet()
        for irq in irqs {
            let settings = IRQSettings.read(irq: irq, from: root, issues: &issues)
            if let placed = settings.effectiveAffinity ?? settings.affinity { cpus = cpus.union(placed) }
        }
        return cpus.isEmpty ? nil : cpus
    }
}
