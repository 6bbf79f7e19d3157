import HostKit

/// The pure half of `spread`: from what was read and what was asked, the writes to make.
///
/// Placement: each receive vector (IRQ) goes to the CPU whose physical core carries the fewest
/// vectors so far, preferring the NIC's NUMA node, then the CPU itself with the fewest, then the
/// lowest id. So queues take one core each on the local node first, then cores of other nodes,
/// and only then SMT siblings; several NICs are placed queue by queue in turn, so they share
/// the CPUs fairly. Isolated, nohz_full and excluded CPUs are never used.
public struct SpreadPlanner: Sendable {
    public let inventory: HostInventory
    public let topology: CPUTopology
    public let policy: SpreadPolicy

    /// The kernel's scaling guide (Documentation/networking/scaling.rst) suggests 32768 global
    /// socket-flow entries for a moderately loaded server.
    public static let defaultSockFlowEntries = 32_768

    public init(inventory: HostInventory, topology: CPUTopology, policy: SpreadPolicy) {
        self.inventory = inventory
        self.topology = topology
        self.policy = policy
    }

    /// CPUs fit for network work under the policy.
    public var usableCPUs: CPUSet {
        let allowed = (policy.cpus ?? topology.online).intersection(topology.online)
        return allowed.subtracting(policy.excludedCPUs).subtracting(topology.isolated).subtracting(topology.nohzFull)
    }

    /// Mask width: the kernel prints and accepts masks as wide as the possible CPUs.
    var maskBits: Int { max(topology.possible.union(topology.online).last.map { $0 + 1 } ?? 1, 1) }

    public func plan() -> SpreadPlan {
        var plan = SpreadPlan()
        if let requested = policy.cpus, !requested.isSubset(of: topology.online) {
            plan.refusals.append(
                "--cpus \(requested.listString): CPUs \(requested.subtracting(topology.online).listString) are offline or do not exist (online: \(topology.online.listString))")
        }
        let usable = usableCPUs
        if usable.isEmpty {
            plan.refusals.append(
                "no CPU is left for network work: online \(topology.online.listString), excluded \(policy.excludedCPUs.listString), isolated/nohz_full \(topology.isolated.union(topology.nohzFull).listString)")
        }
        let reports = inventory.interfaces.filter { !$0.interface.isLoopback }
        if reports.isEmpty { plan.notes.append("no interface with queues to spread") }
        guard plan.refusals.isEmpty else { return plan }

        for report in reports { planChannels(report, usable: usable, into: &plan) }
        let assignment = placeVectors(reports, usable: usable, into: &plan)
        for report in reports {
            let preferred = preferredCPUs(report, usable: usable)
            let irqCPUs = assignment.cpus(of: report.name)
            let rpsEnabled = planRPS(report, preferred: preferred, irqCPUs: irqCPUs, into: &plan)
            planRFS(report, rpsEnabled: rpsEnabled, into: &plan)
            planXPS(report, preferred: preferred, assignment: assignment, into: &plan)
        }
        planGlobalRFS(reports, into: &plan)
        plan.writes.removeAll { $0.isNoChange }
        return plan
    }

    /// The NIC's NUMA node's usable CPUs; all usable CPUs when the node is unknown (-1) or has none.
    func preferredCPUs(_ report: InterfaceReport, usable: CPUSet) -> CPUSet {
        guard let node = report.interface.device?.numaNode, let local = topology.cpus(ofNode: node) else { return usable }
        let near = local.intersection(usable)
        return near.isEmpty ? usable : near
    }

    // MARK: Channels

    private func planChannels(_ report: InterfaceReport, usable: CPUSet, into plan: inout SpreadPlan) {
        guard policy.channels != .keep else { return }
        guard let facts = report.facts else { return }
        guard let channels = facts.channels.value else {
            if case .notSupported = facts.channels {
                plan.skipped.append(Skip(subject: "\(report.name) channels", reason: "the driver does not report channels"))
            }
            return
        }
        let ifindex = report.interface.ifindex ?? facts.ifindex
        let want = UInt32(preferredCPUs(report, usable: usable).count)
        if let maximum = channels.maxCombined, maximum > 0 {
            let current = channels.combined ?? 0
            let target: UInt32
            switch policy.channels {
            case .keep: return
            case .max: target = max(current, min(maximum, want))
            case .count(let count):
                guard count <= maximum else {
                    plan.refusals.append("--channels \(count): \(report.name) supports at most \(maximum) combined channels")
                    return
                }
                target = count
            }
            if target != current {
                plan.channelChanges.append(
                    ChannelChange(
                        interface: report.name, ifindex: ifindex, old: channels, combined: target,
                        reason: "\(target) combined channels (\(current) now, the NIC supports \(maximum), \(want) CPUs can take them)"))
            }
            return
        }
        guard let maxRx = channels.maxRx, let maxTx = channels.maxTx, maxRx > 0, maxTx > 0 else { return }
        let currentRx = channels.rx ?? 0
        let currentTx = channels.tx ?? 0
        var rx: UInt32
        var tx: UInt32
        switch policy.channels {
        case .keep: return
        case .max:
            rx = max(currentRx, min(maxRx, want))
            tx = max(currentTx, min(maxTx, want))
        case .count(let count):
            guard count <= maxRx, count <= maxTx else {
                plan.refusals.append("--channels \(count): \(report.name) supports at most \(maxRx) rx and \(maxTx) tx channels")
                return
            }
            rx = count
            tx = count
        }
        if rx != currentRx || tx != currentTx {
            plan.channelChanges.append(
                ChannelChange(
                    interface: report.name, ifindex: ifindex, old: channels, rx: rx, tx: tx,
                    reason: "\(rx) rx and \(tx) tx channels (\(currentRx)/\(currentTx) now, the NIC supports \(maxRx)/\(maxTx), \(want) CPUs can take them)"))
        }
    }

    // MARK: IRQ placement

    /// A receive vector of one NIC and the queues it serves.
    struct Vector {
        var interface: String
        var label: String
        var irq: Int
        var queueIndex: Int
        var before: CPUSet?
        var preferred: CPUSet
    }

    /// CPUs given to each interface's vectors, by queue index.
    struct Assignment {
        var byInterface: [String: [Int: Int]] = [:]

        func cpus(of interface: String) -> CPUSet { CPUSet(byInterface[interface]?.values.map { $0 } ?? []) }
        func cpu(of interface: String, queue: Int) -> Int? { byInterface[interface]?[queue] }
    }

    private func placeVectors(_ reports: [InterfaceReport], usable: CPUSet, into plan: inout SpreadPlan) -> Assignment {
        var queues: [[Vector]] = []
        var txOnly: [(Vector, Int)] = []  // tx vectors to pair with rx vector of the same index
        for report in reports {
            let preferred = preferredCPUs(report, usable: usable)
            var vectors: [Vector] = []
            var seen = Set<Int>()
            for queue in report.queues {
                guard let irq = queue.irq, seen.insert(irq).inserted else { continue }
                if queue.settings?.managed == true {
                    plan.skipped.append(Skip(subject: "IRQ \(irq) (\(report.name) \(queue.label))", reason: "kernel-managed affinity: the kernel places it and refuses writes (EIO)"))
                    continue
                }
                let vector = Vector(interface: report.name, label: queue.label, irq: irq, queueIndex: queue.index, before: queue.firingCPUs, preferred: preferred)
                if queue.kind == .tx && report.queues.contains(where: { $0.kind == .rx && $0.index == queue.index && $0.irq != nil }) {
                    txOnly.append((vector, queue.index))
                } else {
                    vectors.append(vector)
                }
            }
            queues.append(vectors)
        }

        var cpuLoad: [Int: Int] = [:]
        var coreLoad: [CPUSet: Int] = [:]
        let coreOf = coreMap(usable)
        let order = Array(usable)
        var assignment = Assignment()

        func choose(_ preferred: CPUSet) -> Int {
            order.min { left, right in
                let l = (coreLoad[coreOf[left]!, default: 0], preferred.contains(left) ? 0 : 1, cpuLoad[left, default: 0], left)
                let r = (coreLoad[coreOf[right]!, default: 0], preferred.contains(right) ? 0 : 1, cpuLoad[right, default: 0], right)
                return l < r
            }!
        }
        func place(_ vector: Vector, on cpu: Int) {
            cpuLoad[cpu, default: 0] += 1
            coreLoad[coreOf[cpu]!, default: 0] += 1
            assignment.byInterface[vector.interface, default: [:]][vector.queueIndex] = cpu
            plan.placements.append(Placement(interface: vector.interface, queue: vector.label, irq: vector.irq, before: vector.before, after: [cpu]))
            let current = inventory.irqSettings[vector.irq]?.affinity
            plan.writes.append(
                PlannedWrite(
                    kind: .irqAffinity(irq: vector.irq), path: "proc/irq/\(vector.irq)/smp_affinity_list", old: current?.listString ?? "",
                    new: String(cpu),
                    reason: "\(vector.interface) \(vector.label) on CPU \(cpu)" + (vector.preferred.contains(cpu) ? "" : " (outside its NUMA node: local cores are taken)")))
        }

        // Round robin over NICs, so each gets its share of the best cores.
        var position = 0
        while queues.contains(where: { position < $0.count }) {
            for vectors in queues where position < vectors.count {
                let vector = vectors[position]
                place(vector, on: choose(vector.preferred))
            }
            position += 1
        }
        for (vector, index) in txOnly {
            // A tx vector follows the rx vector of its index, so a queue pair stays on one CPU.
            let cpu = assignment.cpu(of: vector.interface, queue: index) ?? choose(vector.preferred)
            let current = inventory.irqSettings[vector.irq]?.affinity
            plan.placements.append(Placement(interface: vector.interface, queue: vector.label, irq: vector.irq, before: vector.before, after: [cpu]))
            plan.writes.append(
                PlannedWrite(
                    kind: .irqAffinity(irq: vector.irq), path: "proc/irq/\(vector.irq)/smp_affinity_list", old: current?.listString ?? "",
                    new: String(cpu), reason: "\(vector.interface) \(vector.label) with rx-\(index) on CPU \(cpu)"))
        }
        return assignment
    }

    /// Each usable CPU's physical core, as the set of its usable SMT siblings.
    private func coreMap(_ usable: CPUSet) -> [Int: CPUSet] {
        var map: [Int: CPUSet] = [:]
        for cpu in usable {
            let siblings = topology.cpu(cpu)?.threadSiblings ?? [cpu]
            map[cpu] = siblings.isEmpty ? [cpu] : siblings
        }
        return map
    }

    // MARK: RPS, RFS, XPS

    /// RPS on the interface's receive queues; returns whether it ends up enabled.
    private func planRPS(_ report: InterfaceReport, preferred: CPUSet, irqCPUs: CPUSet, into plan: inout SpreadPlan) -> Bool {
        let rxQueues = report.interface.rxQueues
        guard !rxQueues.isEmpty else { return false }
        let enable: Bool
        switch policy.rps {
        case .off: enable = false
        case .on: enable = true
        case .auto: enable = rxQueues.count < preferred.count
        }
        var targets = preferred.subtracting(irqCPUs)
        if targets.isEmpty { targets = preferred }
        let mask = enable ? targets : CPUSet()
        for queue in rxQueues {
            guard let current = queue.rpsCPUs else {
                plan.skipped.append(Skip(subject: "\(report.name) rx-\(queue.index) rps_cpus", reason: "not present (kernel without CONFIG_RPS?)"))
                continue
            }
            plan.writes.append(
                PlannedWrite(
                    kind: .rps(interface: report.name, queue: queue.index), path: "sys/class/net/\(report.name)/queues/rx-\(queue.index)/rps_cpus",
                    old: current.maskString(bitCount: maskBits), new: mask.maskString(bitCount: maskBits),
                    reason: enable
                        ? "RPS over CPUs \(mask.listString): \(rxQueues.count) receive queue\(rxQueues.count == 1 ? "" : "s") for \(preferred.count) CPUs"
                        : "RPS off: \(policy.rps == .off ? "asked" : "as many receive queues as CPUs")"))
        }
        return enable
    }

    private func planRFS(_ report: InterfaceReport, rpsEnabled: Bool, into plan: inout SpreadPlan) {
        let rxQueues = report.interface.rxQueues
        guard !rxQueues.isEmpty else { return }
        let perQueue: Int
        switch policy.rfs {
        case .off: perQueue = 0
        case .auto:
            guard rpsEnabled else { return }
            perQueue = globalEntries / rxQueues.count
        case .entries(let entries): perQueue = Self.powerOfTwo(atLeast: entries) / rxQueues.count
        }
        for queue in rxQueues {
            guard let current = queue.rpsFlowCount else { continue }
            plan.writes.append(
                PlannedWrite(
                    kind: .rfsFlowCount(interface: report.name, queue: queue.index),
                    path: "sys/class/net/\(report.name)/queues/rx-\(queue.index)/rps_flow_cnt", old: String(current), new: String(perQueue),
                    reason: perQueue == 0 ? "RFS off" : "RFS: \(globalEntries) socket-flow entries over \(rxQueues.count) receive queues"))
        }
    }

    /// The global RFS table size the plan aims at.
    var globalEntries: Int {
        switch policy.rfs {
        case .entries(let entries): return Self.powerOfTwo(atLeast: entries)
        case .auto, .off: return max(inventory.rpsSockFlowEntries ?? 0, Self.defaultSockFlowEntries)
        }
    }

    private func planGlobalRFS(_ reports: [InterfaceReport], into plan: inout SpreadPlan) {
        let usesRFS = plan.writes.contains { write in
            if case .rfsFlowCount = write.kind { return Int(write.new) ?? 0 > 0 }
            return false
        }
        guard usesRFS else { return }
        guard let current = inventory.rpsSockFlowEntries else {
            plan.notes.append("net.core.rps_sock_flow_entries does not exist here (it lives in the initial network namespace); set it to \(globalEntries) there for RFS to work")
            return
        }
        plan.writes.append(
            PlannedWrite(
                kind: .sockFlowEntries, path: "proc/sys/net/core/rps_sock_flow_entries", old: String(current), new: String(globalEntries),
                reason: "RFS needs the global socket-flow table; the scaling guide's size for a busy server"))
    }

    private func planXPS(_ report: InterfaceReport, preferred: CPUSet, assignment: Assignment, into plan: inout SpreadPlan) {
        let txQueues = report.interface.txQueues
        guard txQueues.count > 1 else { return }
        let enable: Bool
        switch policy.xps {
        case .off: enable = false
        case .on, .auto: enable = true
        }
        let cpus = Array(preferred)
        for queue in txQueues {
            guard let current = queue.xpsCPUs else { continue }
            var mask = CPUSet()
            var reason = "XPS off"
            if enable {
                if let cpu = assignment.cpu(of: report.name, queue: queue.index) {
                    mask = [cpu]
                    reason = "XPS: tx-\(queue.index) used by CPU \(cpu), where its rx queue's IRQ runs"
                } else if !cpus.isEmpty {
                    // No IRQ (veth) or more tx than rx queues: spread the tx queues over the CPUs in turn.
                    let share = CPUSet(cpus.indices.filter { $0 % txQueues.count == queue.index % txQueues.count }.map { cpus[$0] })
                    mask = share.isEmpty ? [cpus[queue.index % cpus.count]] : share
                    reason = "XPS: tx-\(queue.index) used by CPUs \(mask.listString)"
                }
            }
            plan.writes.append(
                PlannedWrite(
                    kind: .xps(interface: report.name, queue: queue.index), path: "sys/class/net/\(report.name)/queues/tx-\(queue.index)/xps_cpus",
                    old: current.maskString(bitCount: maskBits), new: mask.maskString(bitCount: maskBits), reason: reason))
        }
    }

    static func powerOfTwo(atLeast value: Int) -> Int {
        var power = 1
        while power < value { power <<= 1 }
        return power
    }
}
