/// One interface with everything `cmtune nic` shows: the device, the netlink facts, and each
/// queue joined with its IRQ, where that IRQ may fire and where it does.
public struct InterfaceReport: Sendable, Equatable {
    public var interface: NetworkInterface
    /// True when sysfs does not know the device and it was pieced together from IRQ names
    /// (a snapshot that holds only /proc/interrupts, or a name that no longer matches).
    public var inferredFromIRQNames: Bool
    /// The naming scheme its IRQs follow, when names were used (`TxRx`, `mlx5`, `virtio`).
    public var irqScheme: String?
    public var facts: DeviceFacts?
    public var queues: [QueueReport]
    /// The device's IRQs that serve no queue shown: link, misc, async, config, flow director, and
    /// queue vectors whose queue another vector serves or the interface does not have.
    public var otherIRQs: [OtherIRQ]
    public var observations: [Observation]

    public init(
        interface: NetworkInterface, inferredFromIRQNames: Bool = false, irqScheme: String? = nil, facts: DeviceFacts? = nil,
        queues: [QueueReport] = [], otherIRQs: [OtherIRQ] = [], observations: [Observation] = []
    ) {
        self.interface = interface
        self.inferredFromIRQNames = inferredFromIRQNames
        self.irqScheme = irqScheme
        self.facts = facts
        self.queues = queues
        self.otherIRQs = otherIRQs
        self.observations = observations
    }

    public var name: String { interface.name }

    /// Queues that receive: rx and combined.
    public var receiveQueues: [QueueReport] { queues.filter { $0.kind != .tx } }

    public struct OtherIRQ: Sendable, Equatable {
        public var irq: Int
        public var name: String
        public var role: IRQRole
        public var source: IRQOwner.Source
        public var settings: IRQSettings?
    }
}

/// A queue, or an rx/tx pair served by one vector (`combined`), with its IRQ and steering.
public struct QueueReport: Sendable, Equatable {
    public var kind: QueueKind
    public var index: Int
    public var irq: Int?
    public var irqName: String?
    public var irqSource: IRQOwner.Source?
    /// True when this IRQ serves other queues too (a single-vector device).
    public var irqShared: Bool
    public var settings: IRQSettings?
    /// Interrupts counted on this IRQ, all CPUs.
    public var interruptCount: UInt64?
    public var napiID: UInt32?
    public var napiThreadPID: Int?
    /// RPS and RFS of the rx side (rx and combined).
    public var rpsCPUs: CPUSet?
    public var rpsFlowCount: Int?
    /// XPS of the tx side (tx and combined).
    public var xpsCPUs: CPUSet?
    public var xpsRxQueues: CPUSet?

    public init(kind: QueueKind, index: Int) {
        self.kind = kind
        self.index = index
        self.irqShared = false
    }

    /// `rx-3`, `tx-3`, or `rx/tx-3` for a pair on one vector.
    public var label: String {
        switch kind {
        case .rx: return "rx-\(index)"
        case .tx: return "tx-\(index)"
        case .combined: return "rx/tx-\(index)"
        }
    }

    /// Where the IRQ really fires: the effective affinity when the kernel tells it, else the
    /// requested one (which is the truth on kernels without effective affinity).
    public var firingCPUs: CPUSet? { settings?.effectiveAffinity ?? settings?.affinity }
}

extension InterfaceReport {
    /// Joins sysfs queues with IRQ owners. A device known only from IRQ names gets the
    /// queues its names list.
    ///
    /// A vector named after the interface (`eth2-0`) serves its queue before one the PCI function
    /// shares among its ports (`mlx4-comp-0@pci:...`); a queue vector that loses its queue that
    /// way, or names a queue the interface does not have (gve's blocks for unused queues), is
    /// listed with the other IRQs rather than dropped.
    static func build(
        interface: NetworkInterface, inferred: Bool, ownership: IRQOwnership, interrupts: InterruptTable,
        settings: [Int: IRQSettings], facts: DeviceFacts?
    ) -> InterfaceReport {
        var rxIRQ: [Int: Int] = [:]
        var txIRQ: [Int: Int] = [:]
        var allQueuesIRQ: Int?
        var scheme: String?
        var source: [Int: IRQOwner.Source] = [:]
        var others: [OtherIRQ] = []
        var queueVectors: [(irq: Int, owner: IRQOwner)] = []
        func other(_ irq: Int, _ owner: IRQOwner) -> OtherIRQ {
            OtherIRQ(irq: irq, name: interrupts.line(irq: irq)?.name ?? "", role: owner.role, source: owner.source, settings: settings[irq])
        }
        for irq in ownership.irqs(of: interface.name) {
            guard let owner = ownership.owners(of: irq).first(where: { $0.interface == interface.name }) else { continue }
            source[irq] = owner.source
            if scheme == nil { scheme = owner.scheme }
            switch owner.role {
            case .queue, .queuePair: queueVectors.append((irq, owner))
            case .allQueues: allQueuesIRQ = allQueuesIRQ ?? irq
            case .device, .misc, .flowDirector: others.append(other(irq, owner))
            }
        }
        let sysfsRx = Set(interface.rxQueues.map(\.index))
        let sysfsTx = Set(interface.txQueues.map(\.index))
        // Vectors named after the interface first, then those shared by the PCI function's ports.
        let ordered = queueVectors.filter { !$0.owner.reference.isPCIFunction } + queueVectors.filter { $0.owner.reference.isPCIFunction }
        for (irq, owner) in ordered {
            var served: [(QueueKind, Int)] = []
            switch owner.role {
            case .queue(.combined, let index): served = [(.rx, index), (.tx, index)]
            case .queue(let kind, let index): served = [(kind, index)]
            case .queuePair(let rx, let tx): served = [(.rx, rx), (.tx, tx)]
            case .device, .allQueues, .misc, .flowDirector: break
            }
            var used = false
            for (kind, index) in served {
                let exists = inferred || (kind == .rx ? sysfsRx : sysfsTx).contains(index)
                if kind == .rx, exists, rxIRQ[index] == nil {
                    rxIRQ[index] = irq
                    used = true
                } else if kind == .tx, exists, txIRQ[index] == nil {
                    txIRQ[index] = irq
                    used = true
                }
            }
            if !used { others.append(other(irq, owner)) }
        }
        var rxIndices = sysfsRx
        var txIndices = sysfsTx
        if inferred {
            rxIndices = Set(rxIRQ.keys)
            txIndices = Set(txIRQ.keys)
            if rxIndices.isEmpty && txIndices.isEmpty && allQueuesIRQ != nil {
                rxIndices = [0]
                txIndices = [0]
            }
        }
        let napiOf = napiLinks(facts)
        let rxQueues = Dictionary(interface.rxQueues.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        let txQueues = Dictionary(interface.txQueues.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        func report(_ kind: QueueKind, _ index: Int, irq: Int?) -> QueueReport {
            var queue = QueueReport(kind: kind, index: index)
            queue.irq = irq
            if let irq {
                let line = interrupts.line(irq: irq)
                queue.irqName = line?.name
                queue.irqSource = source[irq]
                queue.irqShared = irq == allQueuesIRQ
                queue.settings = settings[irq]
                queue.interruptCount = line?.total
            }
            return queue
        }
        var queues: [QueueReport] = []
        for index in rxIndices.union(txIndices).sorted() {
            let hasRx = rxIndices.contains(index)
            let hasTx = txIndices.contains(index)
            let rx = hasRx ? (rxIRQ[index] ?? allQueuesIRQ) : nil
            let tx = hasTx ? (txIRQ[index] ?? allQueuesIRQ) : nil
            let rxQueue = rxQueues[index]
            let txQueue = txQueues[index]
            func fill(_ queue: inout QueueReport, rx: Bool, tx: Bool) {
                if rx {
                    queue.rpsCPUs = rxQueue?.rpsCPUs
                    queue.rpsFlowCount = rxQueue?.rpsFlowCount
                    if let napi = napiOf[.init(kind: .rx, index: index)] {
                        queue.napiID = napi.id
                        queue.napiThreadPID = napi.threadPID
                    }
                }
                if tx {
                    queue.xpsCPUs = txQueue?.xpsCPUs
                    queue.xpsRxQueues = txQueue?.xpsRxQueues
                    if queue.napiID == nil, let napi = napiOf[.init(kind: .tx, index: index)] {
                        queue.napiID = napi.id
                        queue.napiThreadPID = napi.threadPID
                    }
                }
            }
            if hasRx && hasTx, let rx, rx == tx {
                var queue = report(.combined, index, irq: rx)
                fill(&queue, rx: true, tx: true)
                queues.append(queue)
                continue
            }
            if hasRx {
                var queue = report(.rx, index, irq: rx)
                fill(&queue, rx: true, tx: false)
                queues.append(queue)
            }
            if hasTx {
                var queue = report(.tx, index, irq: tx)
                fill(&queue, rx: false, tx: true)
                queues.append(queue)
            }
        }
        return InterfaceReport(
            interface: interface, inferredFromIRQNames: inferred, irqScheme: scheme, facts: facts, queues: queues,
            otherIRQs: others.sorted { $0.irq < $1.irq })
    }

    private struct QueueKey: Hashable {
        var kind: NetdevQueue.Kind
        var index: Int
    }

    private static func napiLinks(_ facts: DeviceFacts?) -> [QueueKey: NAPIInstance] {
        guard let queues = facts?.queues.value else { return [:] }
        let napis = Dictionary((facts?.napis.value ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var links: [QueueKey: NAPIInstance] = [:]
        for queue in queues {
            guard let id = queue.napiID else { continue }
            links[QueueKey(kind: queue.kind, index: queue.index)] = napis[id] ?? NAPIInstance(id: id, irq: nil, threadPID: nil)
        }
        return links
    }
}

extension DeviceReference {
    /// True for a name that refers to a whole PCI function rather than one netdev.
    var isPCIFunction: Bool {
        if case .pci = self { return true }
        return false
    }
}
