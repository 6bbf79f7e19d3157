/// The exact shell commands that fix what an observation found, for the user to run or paste
/// into a playbook. They write the same files a careful person would: one queue IRQ per CPU
/// near the NIC, RPS over the CPUs that are not isolated, RFS sized per the kernel's
/// scaling guide (Documentation/networking/scaling.rst).
struct ManualFix {
    let report: InterfaceReport
    let topology: CPUTopology

    /// The kernel guide suggests 32768 global socket-flow entries for a moderately loaded server.
    static let sockFlowEntries = 32768

    /// CPUs fit for network work: online, not isolated or nohz_full, near the NIC when it says.
    var usableCPUs: CPUSet {
        let general = topology.online.subtracting(topology.isolated.union(topology.nohzFull))
        let base = general.isEmpty ? topology.online : general
        if let local = report.interface.device?.localCPUs {
            let near = local.intersection(base)
            if !near.isEmpty { return near }
        }
        return base
    }

    /// One receive queue IRQ per usable CPU, round robin.
    func spreadReceiveIRQs() -> String {
        let cpus = Array(usableCPUs)
        guard !cpus.isEmpty else { return "" }
        var irqs: [Int] = []
        for queue in report.receiveQueues {
            if let irq = queue.irq, !irqs.contains(irq) { irqs.append(irq) }
        }
        return irqs.enumerated().map { position, irq in
            "echo \(cpus[position % cpus.count]) > /proc/irq/\(irq)/smp_affinity_list"
        }.joined(separator: "; ")
    }

    /// RPS for each receive queue over the usable CPUs.
    func enableRPS() -> String {
        let bits = max(topology.possible.union(topology.online).last.map { $0 + 1 } ?? 1, 1)
        let mask = usableCPUs.maskString(bitCount: bits)
        return report.receiveQueues.map { "echo \(mask) > /sys/class/net/\(report.name)/queues/rx-\($0.index)/rps_cpus" }
            .joined(separator: "; ")
    }

    /// rps_flow_cnt per queue = global entries / number of receive queues (the guide's rule).
    func enableRFS(entries: Int) -> String {
        let queues = max(report.receiveQueues.count, 1)
        return report.receiveQueues.map {
            "echo \(entries / queues) > /sys/class/net/\(report.name)/queues/rx-\($0.index)/rps_flow_cnt"
        }.joined(separator: "; ")
    }
}
