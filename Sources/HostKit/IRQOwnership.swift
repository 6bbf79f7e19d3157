/// Joins IRQs to devices and queues, best source first: the netdev netlink family, then the
/// device's `msi_irqs` with the driver's naming scheme, then the name alone.
public struct IRQOwnership: Sendable, Equatable {
    /// Owners per IRQ; a shared legacy line can have several.
    public private(set) var owners: [Int: [IRQOwner]] = [:]

    public init() {}

    public func owners(of irq: Int) -> [IRQOwner] { owners[irq] ?? [] }

    /// VIRTIO_ID_NET.
    static let virtioNetworkDevice = 1

    /// IRQs owned by `interface`, ascending.
    public func irqs(of interface: String) -> [Int] {
        owners.compactMap { irq, list in list.contains { $0.interface == interface } ? irq : nil }.sorted()
    }

    /// Builds the ownership from what was read. `facts` (by interface name) supply netlink's
    /// queue -> NAPI -> IRQ links where the driver fills them in.
    ///
    /// `virtioDeviceTypes` maps `virtioN` to its virtio device id where sysfs tells it, so the
    /// IRQs of virtio block, balloon or vsock devices are not taken for a NIC's (only id 1 is net).
    public init(
        interrupts: InterruptTable, interfaces: [NetworkInterface], facts: [String: DeviceFacts] = [:], virtioDeviceTypes: [String: Int] = [:]
    ) {
        let scheme = IRQNameScheme(knownInterfaces: Set(interfaces.map(\.name)))
        let byName = Dictionary(interfaces.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

        func resolve(_ reference: DeviceReference) -> NetworkInterface? {
            switch reference {
            case .interface(let name): return byName[name]
            case .pci(let address): return interfaces.first { $0.device?.pciAddress == address }
            case .virtio(let name): return interfaces.first { $0.device?.busID == name }
            }
        }

        // 1. Names, confirmed by msi_irqs or the legacy line where the device is known.
        for line in interrupts.lines {
            for action in line.actions {
                guard let match = scheme.classify(action) else { continue }
                if case .virtio(let name) = match.reference, let type = virtioDeviceTypes[name], type != Self.virtioNetworkDevice { continue }
                let interface = resolve(match.reference)
                var source = IRQOwner.Source.irqName
                if let device = interface?.device {
                    if device.msiIRQs.contains(line.irq) {
                        source = .msiIRQs
                    } else if device.legacyIRQ == line.irq {
                        source = .legacyIRQ
                    }
                }
                add(IRQOwner(interface: interface?.name, reference: match.reference, role: match.role, source: source, scheme: match.scheme), to: line.irq)
            }
        }

        // A virtio device seen only through names, with no queue vector, is not shown to be a
        // NIC: its `config` vector alone could be a block device's or a balloon's.
        let virtioWithQueues = Set(owners.values.flatMap { $0 }.filter { $0.queue != nil || $0.role == .allQueues }.map(\.reference))
        for (irq, list) in owners {
            owners[irq] = list.filter { owner in
                guard case .virtio = owner.reference, owner.interface == nil else { return true }
                return virtioWithQueues.contains(owner.reference)
            }
            if owners[irq]?.isEmpty == true { owners[irq] = nil }
        }

        // 2. msi_irqs whose names say nothing we know still belong to the device.
        for interface in interfaces {
            guard let device = interface.device else { continue }
            for irq in device.msiIRQs where !owners(of: irq).contains(where: { $0.interface == interface.name }) {
                // A PCI function with several netdevs (mlx4 ports) lists the same vectors for each.
                if owners(of: irq).contains(where: { $0.source == .msiIRQs }) { continue }
                let name = interrupts.line(irq: irq)?.name ?? ""
                add(
                    IRQOwner(interface: interface.name, reference: .interface(interface.name), role: .misc(name.isEmpty ? "unnamed" : name), source: .msiIRQs, scheme: nil),
                    to: irq)
            }
        }

        // 3. netlink's NAPI links override names for the queues they cover.
        for interface in interfaces {
            guard let facts = facts[interface.name], let queues = facts.queues.value, let napis = facts.napis.value else { continue }
            let irqOfNAPI = Dictionary(napis.compactMap { napi in napi.irq.map { (napi.id, $0) } }, uniquingKeysWith: { first, _ in first })
            var queuesOfIRQ: [Int: [NetdevQueue]] = [:]
            for queue in queues {
                guard let napi = queue.napiID, let irq = irqOfNAPI[napi] else { continue }
                queuesOfIRQ[irq, default: []].append(queue)
            }
            // Names that claim a queue netlink has linked elsewhere lose the claim: the kernel's
            // own link is the truth, the name may be stale (renamed device, reused vector).
            let linked = Set(queuesOfIRQ.values.flatMap { $0 }.map { "\($0.kind.rawValue)-\($0.index)" })
            for (irq, list) in owners {
                owners[irq] = list.map { owner in
                    guard owner.interface == interface.name, owner.source != .netdevNetlink, let queue = owner.queue else { return owner }
                    let claims = queue.kind == .combined ? ["rx-\(queue.index)", "tx-\(queue.index)"] : ["\(queue.kind.rawValue)-\(queue.index)"]
                    guard claims.contains(where: linked.contains) else { return owner }
                    var demoted = owner
                    demoted.role = .misc("named \(owner.role.label), not linked by netlink")
                    return demoted
                }
            }
            for (irq, served) in queuesOfIRQ {
                let indices = Set(served.map(\.index))
                let role: IRQRole
                if served.count == 1 {
                    role = .queue(served[0].kind == .rx ? .rx : .tx, served[0].index)
                } else if indices.count == 1 {
                    role = .queue(.combined, served[0].index)
                } else {
                    role = .allQueues
                }
                owners[irq]?.removeAll { $0.interface == interface.name }
                add(IRQOwner(interface: interface.name, reference: .interface(interface.name), role: role, source: .netdevNetlink, scheme: nil), to: irq)
            }
        }

        resolveDeviceRoles()
    }

    mutating func mapOwners(_ transform: (IRQOwner) -> IRQOwner) {
        for (irq, list) in owners { owners[irq] = list.map(transform) }
    }

    private mutating func add(_ owner: IRQOwner, to irq: Int) {
        owners[irq, default: []].append(owner)
    }

    /// An IRQ named after the device alone is the link/misc vector when the device has queue
    /// vectors (ixgbe's `eth0`), and the vector for all queues when it has none (e1000e's `eth2`).
    private mutating func resolveDeviceRoles() {
        var devicesWithQueueVectors = Set<String>()
        for list in owners.values {
            for owner in list where owner.queue != nil { devicesWithQueueVectors.insert(owner.deviceName) }
        }
        for (irq, list) in owners {
            owners[irq] = list.map { owner in
                guard owner.role == .device else { return owner }
                var resolved = owner
                resolved.role = devicesWithQueueVectors.contains(owner.deviceName) ? .misc("link") : .allQueues
                return resolved
            }
        }
    }
}
