import HostKit

/// perftune's split for a CM that is not ours (Go, Erlang, Java): NIC interrupts and RPS on a
/// few CPUs, the application pinned to the others, so neither preempts the other.
///
/// Whole physical cores are taken (an IRQ thread and an application thread on SMT siblings of
/// one core fight over it), on the NICs' NUMA node first, lowest ids first, so the choice is
/// the same on every run and every host of a fleet with the same layout.
struct IRQCPUSplit {
    var irqCPUs: CPUSet
    var notes: [String]

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    static func choose(count: Int, usable: CPUSet, topology: CPUTopology, preferredNodes: [Int]) -> Result<IRQCPUSplit, Refusal> {
        guard count >= 1 else { return .failure(Refusal(description: "--cpus-for-irqs \(count): give 1 or more")) }
        guard count < topology.online.count else {
            return .failure(
                Refusal(
                    description:
                        "--cpus-for-irqs \(count): the host has \(Plural.count(topology.online.count, "online CPU")); leave at least one to the application"))
        }
        guard count <= usable.count else {
            return .failure(
                Refusal(description: "--cpus-for-irqs \(count): only \(Plural.count(usable.count, "CPU")) can take network work (\(usable.listString))"))
        }
        let nodes = Set(preferredNodes)
        // Cores as their usable siblings, NIC-local cores first.
        var seen = Set<CPUSet>()
        var cores: [CPUSet] = []
        for cpu in usable {
            let siblings = (topology.cpu(cpu)?.threadSiblings ?? [cpu]).intersection(usable)
            let core = siblings.isEmpty ? [cpu] : siblings
            if seen.insert(core).inserted { cores.append(core) }
        }
        func isLocal(_ core: CPUSet) -> Bool {
            guard let first = core.first, let node = topology.node(of: first) else { return false }
            return nodes.contains(node)
        }
        cores.sort { left, right in
            let l = (isLocal(left) ? 0 : 1, left.first ?? 0)
            let r = (isLocal(right) ? 0 : 1, right.first ?? 0)
            return l < r
        }
        var chosen = CPUSet()
        var notes: [String] = []
        for core in cores where chosen.count < count {
            let room = count - chosen.count
            if core.count > room {
                chosen = chosen.union(CPUSet(Array(core).prefix(room)))
                notes.append(
                    "--cpus-for-irqs \(count) splits the core of CPUs \(core.listString): its other thread goes to the application and competes with the IRQs; an even count keeps whole cores"
                )
            } else {
                chosen = chosen.union(core)
            }
        }
        return .success(IRQCPUSplit(irqCPUs: chosen, notes: notes))
    }
}
