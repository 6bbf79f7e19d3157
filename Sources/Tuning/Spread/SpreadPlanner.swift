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

    /// CPUs fit for network work under the policy (before `--cpus-for-irqs` narrows them).
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
                "--cpus \(requested.listString): CPUs \(requested.subtracting(topology.online).listString) are offline or do not exist (online: \(topology.online.listString))"
            )
        }
        let usable = usableCPUs
        if usable.isEmpty {
            let reserved = topology.isolated.union(topology.nohzFull)
            plan.refusals.append(
                "no CPU is left for network work: online \(Self.listOrNone(topology.online)), excluded \(Self.listOrNone(policy.excludedCPUs)), isolated or nohz_full \(Self.listOrNone(reserved))"
            )
        }
        let reports = inventory.interfaces.filter { !$0.interface.isLoopback }
        if reports.isEmpty { plan.notes.append("no interface with queues to spread") }
        var networkCPUs = usable
        if let count = policy.irqCPUCount, plan.refusals.isEmpty {
            switch IRQCPUSplit.choose(count: count, usable: usable, topology: topology, preferredNodes: reports.compactMap { $0.interface.device?.numaNode }) {
            case .success(let split):
                networkCPUs = split.irqCPUs
                plan.applicationCPUs = topology.online.subtracting(split.irqCPUs)
                plan.notes += split.notes
            case .failure(let refusal):
                plan.refusals.append(refusal.description)
            }
        }
        guard plan.refusals.isEmpty else { return plan }

        var forecasts: [ChannelForecast] = []
        for report in reports {
            let change = planChannels(report, usable: networkCPUs, into: &plan)
            forecasts.append(ChannelForecast(report, change: change))
        }
        let assignment = placeVectors(forecasts, usable: networkCPUs, into: &plan)
        for forecast in forecasts {
            let preferred = preferredCPUs(forecast.report, usable: networkCPUs)
            let irqCPUs = assignment.cpus(of: forecast.name)
            let rpsEnabled = planRPS(forecast, preferred: preferred, irqCPUs: irqCPUs, into: &plan)
            planRFS(forecast, rpsEnabled: rpsEnabled, into: &plan)
            planXPS(forecast, preferred: preferred, assignment: assignment, into: &plan)
        }
        planGlobalRFS(into: &plan)
        plan.writes.removeAll { !$0.followsChannelChange && $0.isNoChange }
        return plan
    }

    static func listOrNone(_ set: CPUSet) -> String { set.isEmpty ? "none" : set.listString }

    /// The NIC's NUMA node's usable CPUs; all usable CPUs when the node is unknown (-1) or has none.
    func preferredCPUs(_ report: InterfaceReport, usable: CPUSet) -> CPUSet {
        guard let node = report.interface.device?.numaNode, let local = topology.cpus(ofNode: node) else { return usable }
        let near = local.intersection(usable)
        return near.isEmpty ? usable : near
    }

    // MARK: Channels

    /// Plans the interface's channel count; returns the change, if any.
    private func planChannels(_ report: InterfaceReport, usable: CPUSet, into plan: inout SpreadPlan) -> ChannelChange? {
        guard policy.channels != .keep else { return nil }
        guard let facts = report.facts else { return nil }
        guard let channels = facts.channels.value else {
            if case .notSupported = facts.channels {
                plan.skipped.append(Skip(subject: "\(report.name) channels", reason: "the driver does not report channels"))
            }
            return nil
        }
        let ifindex = report.interface.ifindex ?? facts.ifindex
        let want = UInt32(preferredCPUs(report, usable: usable).count)
        if let maximum = channels.maxCombined, maximum > 0 {
            let current = channels.combined ?? 0
            let target: UInt32
            switch policy.channels {
            case .keep: return nil
            case .max: target = max(current, min(maximum, want))
            case .count(let count):
                guard count <= maximum else {
                    plan.refusals.append("--channels \(count): \(report.name) supports at most \(maximum) combined channels")
                    return nil
                }
                target = count
            }
            guard target != current else { return nil }
            let change = ChannelChange(
                interface: report.name, ifindex: ifindex, old: channels, combined: target,
                reason: "\(target) combined channels (\(current) now, the NIC supports \(maximum), \(Plural.count(Int(want), "CPU")) can take them)")
            plan.channelChanges.append(change)
            return change
        }
        guard let maxRx = channels.maxRx, let maxTx = channels.maxTx, maxRx > 0, maxTx > 0 else { return nil }
        let currentRx = channels.rx ?? 0
        let currentTx = channels.tx ?? 0
        var rx: UInt32
        var tx: UInt32
        switch policy.channels {
        case .keep: return nil
        case .max:
            rx = max(currentRx, min(maxRx, want))
            tx = max(currentTx, min(maxTx, want))
        case .count(let count):
            guard count <= maxRx, count <= maxTx else {
                plan.refusals.append("--channels \(count): \(report.name) supports at most \(maxRx) rx and \(maxTx) tx channels")
                return nil
            }
            rx = count
            tx = count
        }
        guard rx != currentRx || tx != currentTx else { return nil }
        let change = ChannelChange(
            interface: report.name, ifindex: ifindex, old: channels, rx: rx, tx: tx,
            reason:
                "\(rx) rx and \(tx) tx channels (\(currentRx)/\(currentTx) now, the NIC supports \(maxRx)/\(maxTx), \(Plural.count(Int(want), "CPU")) can take them)"
        )
        plan.channelChanges.append(change)
        return change
    }

    // MARK: IRQ placement

    /// A receive vector of one NIC and the queues it serves.
    struct Vector {
        var interface: String
        var label: String
        /// nil for a vector the channel change creates.
        var irq: Int?
        var queueIndex: Int
        var before: CPUSet?
        var preferred: CPUSet
        /// The channel change may give it another IRQ number: the apply finds it by its queue.
        var findByQueue: Bool
    }

    /// CPUs given to each interface's vectors, by queue index.
    struct Assignment {
        var byInterface: [String: [Int: Int]] = [:]

        func cpus(of interface: String) -> CPUSet { CPUSet(byInterface[interface]?.values.map { $0 } ?? []) }
        func cpu(of interface: String, queue: Int) -> Int? { byInterface[interface]?[queue] }
    }

    private func placeVectors(_ forecasts: [ChannelForecast], usable: CPUSet, into plan: inout SpreadPlan) -> Assignment {
        var queues: [[Vector]] = []
        var txOnly: [(Vector, Int)] = []  // tx vectors to pair with the rx vector of the same index
        for forecast in forecasts {
            let preferred = preferredCPUs(forecast.report, usable: usable)
            var vectors: [Vector] = []
            for vector in forecast.vectors {
                if vector.managed, let irq = vector.irq {
                    plan.skipped.append(
                        Skip(
                            subject: "IRQ \(irq) (\(forecast.name) \(vector.label))",
                            reason: "kernel-managed affinity: the kernel places it and refuses writes (EIO)"))
                    continue
                }
                let candidate = Vector(
                    interface: forecast.name, label: vector.label, irq: vector.irq, queueIndex: vector.index, before: vector.before, preferred: preferred,
                    findByQueue: forecast.changesChannels && !vector.shared)
                if vector.kind == .tx && forecast.vectors.contains(where: { $0.kind == .rx && $0.index == vector.index }) {
                    txOnly.append((candidate, vector.index))
                } else {
                    vectors.append(candidate)
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
        func write(_ vector: Vector, cpu: Int, reason: String) {
            plan.placements.append(Placement(interface: vector.interface, queue: vector.label, irq: vector.irq, before: vector.before, after: [cpu]))
            let reference = QueueVectorReference(interface: vector.interface, queue: vector.label)
            if let irq = vector.irq {
                let current = inventory.irqSettings[irq]?.affinity
                plan.writes.append(
                    PlannedWrite(
                        kind: .irqAffinity(irq: irq), path: "proc/irq/\(irq)/smp_affinity_list", old: current?.listString ?? "", new: String(cpu),
                        reason: reason, vector: vector.findByQueue ? reference : nil))
            } else {
                plan.writes.append(
                    PlannedWrite(
                        kind: .vectorAffinity(interface: vector.interface, queue: vector.label), path: "proc/irq/?/smp_affinity_list", old: "",
                        new: String(cpu), reason: reason + " (a vector the channel change creates)", vector: reference, followsChannelChange: true))
            }
        }
        func place(_ vector: Vector, on cpu: Int) {
            cpuLoad[cpu, default: 0] += 1
            coreLoad[coreOf[cpu]!, default: 0] += 1
            assignment.byInterface[vector.interface, default: [:]][vector.queueIndex] = cpu
            write(
                vector, cpu: cpu,
                reason: "\(vector.interface) \(vector.label) on CPU \(cpu)"
                    + (vector.preferred.contains(cpu) ? "" : " (outside its NUMA node: local cores are taken)"))
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
            write(vector, cpu: cpu, reason: "\(vector.interface) \(vector.label) with rx-\(index) on CPU \(cpu)")
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
    private func planRPS(_ forecast: ChannelForecast, preferred: CPUSet, irqCPUs: CPUSet, into plan: inout SpreadPlan) -> Bool {
        let rxQueues = forecast.rxQueues
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
        let name = forecast.name
        for queue in rxQueues {
            // A new queue starts with RPS off: writing "off" to it would change nothing.
            if queue.isNew && mask.isEmpty { continue }
            guard let current = queue.rpsCPUs else {
                plan.skipped.append(Skip(subject: "\(name) rx-\(queue.index) rps_cpus", reason: "not present (kernel without CONFIG_RPS?)"))
                continue
            }
            plan.writes.append(
                PlannedWrite(
                    kind: .rps(interface: name, queue: queue.index), path: "sys/class/net/\(name)/queues/rx-\(queue.index)/rps_cpus",
                    old: queue.isNew ? "" : current.maskString(bitCount: maskBits), new: mask.maskString(bitCount: maskBits),
                    reason: enable
                        ? "RPS over CPUs \(mask.listString): \(Plural.count(rxQueues.count, "receive queue")) for \(Plural.count(preferred.count, "CPU"))"
                        : "RPS off: \(policy.rps == .off ? "asked" : "as many receive queues as CPUs")",
                    followsChannelChange: queue.isNew))
        }
        return enable
    }

    private func planRFS(_ forecast: ChannelForecast, rpsEnabled: Bool, into plan: inout SpreadPlan) {
        let rxQueues = forecast.rxQueues
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
            guard let current = queue.rpsFlowCount, !(queue.isNew && perQueue == 0) else { continue }
            plan.writes.append(
                PlannedWrite(
                    kind: .rfsFlowCount(interface: forecast.name, queue: queue.index),
                    path: "sys/class/net/\(forecast.name)/queues/rx-\(queue.index)/rps_flow_cnt", old: queue.isNew ? "" : String(current),
                    new: String(perQueue),
                    reason: perQueue == 0 ? "RFS off" : "RFS: \(globalEntries) socket-flow entries over \(Plural.count(rxQueues.count, "receive queue"))",
                    followsChannelChange: queue.isNew))
        }
    }

    /// The global RFS table size the plan aims at.
    var globalEntries: Int {
        switch policy.rfs {
        case .entries(let entries): return Self.powerOfTwo(atLeast: entries)
        case .auto, .off: return max(inventory.rpsSockFlowEntries ?? 0, Self.defaultSockFlowEntries)
        }
    }

    private func planGlobalRFS(into plan: inout SpreadPlan) {
        let usesRFS = plan.writes.contains { write in
            if case .rfsFlowCount = write.kind { return Int(write.new) ?? 0 > 0 }
            return false
        }
        guard usesRFS else { return }
        guard let current = inventory.rpsSockFlowEntries else {
            plan.notes.append(
                "net.core.rps_sock_flow_entries does not exist here (it lives in the initial network namespace); set it to \(globalEntries) there for RFS to work"
            )
            return
        }
        plan.writes.append(
            PlannedWrite(
                kind: .sockFlowEntries, path: "proc/sys/net/core/rps_sock_flow_entries", old: String(current), new: String(globalEntries),
                reason: "RFS needs the global socket-flow table; the scaling guide's size for a busy server"))
    }

    private func planXPS(_ forecast: ChannelForecast, preferred: CPUSet, assignment: Assignment, into plan: inout SpreadPlan) {
        let txQueues = forecast.txQueues
        guard txQueues.count > 1 else { return }
        let enable: Bool
        switch policy.xps {
        case .off: enable = false
        case .on, .auto: enable = true
        }
        let cpus = Array(preferred)
        for queue in txQueues {
            // An existing queue without the file (unset on a single queue) is left alone; a new
            // one gets it with the queue.
            guard queue.isNew || queue.xpsCPUs != nil else { continue }
            var mask = CPUSet()
            var reason = "XPS off"
            if enable {
                if let cpu = assignment.cpu(of: forecast.name, queue: queue.index) {
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
                    kind: .xps(interface: forecast.name, queue: queue.index), path: "sys/class/net/\(forecast.name)/queues/tx-\(queue.index)/xps_cpus",
                    old: queue.isNew ? "" : (queue.xpsCPUs ?? []).maskString(bitCount: maskBits), new: mask.maskString(bitCount: maskBits), reason: reason,
                    followsChannelChange: queue.isNew))
        }
    }

    static func powerOfTwo(atLeast value: Int) -> Int {
        var power = 1
        while power < value { power <<= 1 }
        return power
    }
}
