/// What an IRQ's name says about it: which device, and what the vector does for it.

/// The kind of a queue or queue vector: a combined vector serves rx-N and tx-N together.
public enum QueueKind: String, Sendable, Hashable, Codable, CaseIterable {
    case rx, tx, combined
}

/// How an IRQ's name refers to its device.
public enum DeviceReference: Sendable, Hashable, CustomStringConvertible {
    /// A network interface name, as the driver saw it when it requested the IRQ.
    case interface(String)
    /// A PCI function address, `0000:3b:00.0`: every netdev of that function (mlx4 ports).
    case pci(String)
    /// A virtio device, `virtio2`; virtio-net's IRQs never carry the netdev name.
    case virtio(String)

    public var description: String {
        switch self {
        case .interface(let name): return name
        case .pci(let address): return address
        case .virtio(let name): return name
        }
    }
}

/// What one IRQ does for its device.
public enum IRQRole: Sendable, Hashable {
    /// Services one queue (or one rx/tx pair of the same index, for `.combined`).
    case queue(QueueKind, Int)
    /// Services receive queue `rx` and transmit queue `tx`, whose indices differ: qlcnic's last
    /// status ring also completes tx ring 0 (`eth0-tx-0-rx-3`).
    case queuePair(rx: Int, tx: Int)
    /// Named after the device alone: the link/misc vector when the device has queue vectors,
    /// the only vector (all queues) when it has none.
    case device
    /// The device's only vector, serving every queue (single-vector NICs, `virtio0-virtqueues`).
    case allQueues
    /// A vector with a purpose other than queues: `config`, `async`, `misc`, `management`, `link`.
    case misc(String)
    /// Intel's flow director sideband queue, which carries no regular traffic.
    case flowDirector(Int)
}

extension IRQRole {
    /// Short text for tables: `rx-3`, `rx/tx-0` (one vector for both), `rx-3+tx-0`, `all queues`,
    /// `link`, `fdir-0`.
    public var label: String {
        switch self {
        case .queue(.combined, let index): return "rx/tx-\(index)"
        case .queue(let kind, let index): return "\(kind.rawValue)-\(index)"
        case .queuePair(let rx, let tx): return "rx-\(rx)+tx-\(tx)"
        case .device: return "device"
        case .allQueues: return "all queues"
        case .misc(let purpose): return purpose
        case .flowDirector(let index): return "fdir-\(index)"
        }
    }

    /// True for a vector that raises the interrupts of at least one traffic queue.
    public var servesQueues: Bool {
        switch self {
        case .queue, .queuePair, .allQueues: return true
        case .device, .misc, .flowDirector: return false
        }
    }
}

/// The outcome of reading an IRQ name.
public struct IRQNameMatch: Sendable, Hashable {
    public var reference: DeviceReference
    public var role: IRQRole
    /// The naming scheme that matched, for the user and for tests: `mlx5`, `TxRx`, `virtio`...
    public var scheme: String
    /// gve's notification block number, whose queue only the device's whole set of blocks
    /// tells (see `IRQVectorNumbering`); nil for every other scheme.
    var notificationBlock: Int?

    public init(device: DeviceReference, role: IRQRole, scheme: String) {
        self.reference = device
        self.role = role
        self.scheme = scheme
    }
}
