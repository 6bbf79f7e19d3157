/// Joins IRQs to devices and queues, best source first: the netdev netlink family, then the
/// device's `msi_irqs` with the driver's naming scheme, then the name alone.
public struct IRQOwnership: Sendable, Equatable {
    /// Owners per IRQ; a shared legacy line can have several, and so can a vector of a PCI
    /// function with several netdevs (mlx4 ports).
    public private(set) var owners: [Int: [IRQOwner]] = [:]
    /// The IRQs of each interface, ascending: `irqs(of:)` is asked once per interface and must
    /// not scan every owner of a host with tens of thousands of IRQs each time.
    private var irqsByInterface: [String: [Int]] = [:]

    public init() {}

    public func owners(of irq: Int) -> [IRQOwner] { owners[irq] ?? [] }

    /// VIRTIO_ID_NET.
    static let virtioNetworkDevice = 1

    /// IRQs owned by `interface`, ascending.
    public func irqs(of interface: String) -> [Int] { irqsByInterface[interface] ?? [] }

    /// Builds the ownership from what was read. `facts` (by interface name) supply netlink's
    /// queue -> NAPI -> IRQ links where the driver fills them in.
    ///
    /// `virtioDeviceTypes` maps `virtioN` to its virtio device id where sysfs tells it, so the
    /// IRQs of virtio block, balloon or vsock devices are not taken for a NIC's (only id 1 is net).
    public init(
        interrupts: InterruptTable, interfaces: [NetworkInterface], facts: [String: DeviceFacts] = [:], virtioDeviceTypes: [String: Int] = [:]
    ) {
        let devices = DeviceDirectory(interfaces)
        addNamedOwners(interrupts: interrupts, devices: devices, virtioDeviceTypes: virtioDeviceTypes)
        addUnnamedMSIVectors(interrupts: interrupts, interfaces: interfaces)
        reindex()
        applyNetlinkLinks(interfaces: interfaces, facts: facts)
        resolveDeviceRoles()
        reindex()
    }

    /// 1. Names, confirmed by msi_irqs or the legacy line where the device is known.
    ///
    /// A name alone never pins an IRQ on an interface that cannot have it: a virtual one (no
    /// device), or one whose device lists its MSI vectors without this IRQ. /proc/interrupts is
    /// global, so inside a network namespace the host's `eth0-TxRx-0` would otherwise land on the
    /// namespace's own `eth0`, a veth; the IRQ stays with the name's reference, unresolved.
    private mutating func addNamedOwners(interrupts: InterruptTable, devices: DeviceDirectory, virtioDeviceTypes: [String: Int]) {
        let scheme = IRQNameScheme(knownInterfaces: devices.names)
        var named: [NamedVector] = []
        var candidates: [[NetworkInterface]] = []
        for line in interrupts.lines {
            for action in line.actions {
                guard let match = scheme.classify(action) else { continue }
                if case .virtio(let name) = match.reference, let type = virtioDeviceTypes[name], type != Self.virtioNetworkDevice { continue }
                let resolved = devices.resolve(match.reference)
                named.append(NamedVector(irq: line.irq, match: match, driver: resolved.lazy.compactMap { $0.device?.driver }.first))
                candidates.append(resolved)
            }
        }
        IRQVectorNumbering.apply(to: &named)
        for (vector, resolved) in zip(named, candidates) {
            let match = vector.match
            var placed = false
            for interface in resolved {
                guard let source = devices.evidence(for: vector.irq, on: interface) else { continue }
                add(IRQOwner(interface: interface.name, reference: match.reference, role: match.role, source: source, scheme: match.scheme), to: vector.irq)
                placed = true
            }
            if !placed {
                add(IRQOwner(interface: nil, reference: match.reference, role: match.role, source: .irqName, scheme: match.scheme), to: vector.irq)
            }
        }

        // A virtio device seen only through names, with no queue vector, is not shown to be a
        // NIC: its `config` vector alone could be a block device's or a balloon's. Only IRQs with
        // such an owner can change, and most hosts have none.
        let unresolvedVirtio = owners.filter { _, list in
            list.contains { owner in
                guard case .virtio = owner.reference else { return false }
                return owner.interface == nil
            }
        }
        guard !unresolvedVirtio.isEmpty else { return }
        var virtioWithQueues = Set<DeviceReference>()
        for list in owners.values {
            for owner in list where owner.role.servesQueues { virtioWithQueues.insert(owner.reference) }
        }
        for (irq, list) in unresolvedVirtio {
            let kept = list.filter { owner in
                guard case .virtio = owner.reference, owner.interface == nil else { return true }
                return virtioWithQueues.contains(owner.reference)
            }
            owners[irq] = kept.isEmpty ? nil : kept
        }
    }

    /// 2. msi_irqs whose names say nothing we know still belong to the device, to each netdev of
    /// a PCI function with several; a vector whose name, confirmed by msi_irqs, gives it to one
    /// of them (mlx4_en's `eth2-0`) is not handed to the others as well.
    private mutating func addUnnamedMSIVectors(interrupts: InterruptTable, interfaces: [NetworkInterface]) {
        for interface in interfaces {
            guard let device = interface.device else { continue }
            for irq in device.msiIRQs {
                let current = owners(of: irq)
                if current.contains(where: { $0.interface == interface.name || ($0.source == .msiIRQs && $0.scheme != nil) }) { continue }
                let name = interrupts.line(irq: irq)?.name ?? ""
                add(
                    IRQOwner(
                        interface: interface.name, reference: .interface(interface.name), role: .misc(name.isEmpty ? "unnamed" : name), source: .msiIRQs,
                        scheme: nil),
                    to: irq)
            }
        }
    }

    /// 3. netlink's NAPI links override names for the queues they cover.
    private mutating func applyNetlinkLinks(interfaces: [NetworkInterface], facts: [String: DeviceFacts]) {
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
            for irq in irqs(of: interface.name) {
                owners[irq] = owners[irq]?.map { owner in
                    guard owner.interface == interface.name, owner.source != .netdevNetlink else { return owner }
                    let claims = Self.claims(of: owner.role)
                    guard !claims.isEmpty, claims.contains(where: linked.contains) else { return owner }
                    var demoted = owner
                    demoted.role = .misc("named \(owner.role.label), not linked by netlink")
                    return demoted
                }
            }
            for (irq, served) in queuesOfIRQ {
                owners[irq]?.removeAll { $0.interface == interface.name }
                add(
                    IRQOwner(
                        interface: interface.name, reference: .interface(interface.name), role: Self.role(serving: served), source: .netdevNetlink, scheme: nil),
                    to: irq)
            }
        }
    }

    /// The queues a role claims, as `rx-N`/`tx-N`.
    private static func claims(of role: IRQRole) -> [String] {
        switch role {
        case .queue(.combined, let index): return ["rx-\(index)", "tx-\(index)"]
        case .queue(let kind, let index): return ["\(kind.rawValue)-\(index)"]
        case .queuePair(let rx, let tx): return ["rx-\(rx)", "tx-\(tx)"]
        case .device, .allQueues, .misc, .flowDirector: return []
        }
    }

    /// The role of a vector netlink links to `served`.
    private static func role(serving served: [NetdevQueue]) -> IRQRole {
        let indices = Set(served.map(\.index))
        if served.count == 1 { return .queue(served[0].kind == .rx ? .rx : .tx, served[0].index) }
        if indices.count == 1 { return .queue(.combined, served[0].index) }
        if served.count == 2, let rx = served.first(where: { $0.kind == .rx }), let tx = served.first(where: { $0.kind == .tx }) {
            return .queuePair(rx: rx.index, tx: tx.index)
        }
        return .allQueues
    }

    mutating func mapOwners(_ transform: (IRQOwner) -> IRQOwner) {
        for (irq, list) in owners { owners[irq] = list.map(transform) }
        reindex()
    }

    private mutating func add(_ owner: IRQOwner, to irq: Int) {
        owners[irq, default: []].append(owner)
    }

    private mutating func reindex() {
        var index: [String: [Int]] = [:]
        for (irq, list) in owners {
            // Each interface once per IRQ: its owners of one IRQ are appended one after another.
            for case let interface? in list.lazy.map(\.interface) where index[interface]?.last != irq {
                index[interface, default: []].append(irq)
            }
        }
        for key in index.keys { index[key]?.sort() }
        irqsByInterface = index
    }

    /// An IRQ named after the device alone is the link/misc vector when the device has queue
    /// vectors (ixgbe's `eth0`), and the vector for all queues when it has none (e1000e's `eth2`).
    private mutating func resolveDeviceRoles() {
        var devicesWithQueueVectors = Set<String>()
        for list in owners.values {
            for owner in list where owner.role.servesQueues && owner.role != .allQueues { devicesWithQueueVectors.insert(owner.deviceName) }
        }
        for (irq, list) in owners where list.contains(where: { $0.role == .device }) {
            owners[irq] = list.map { owner in
                guard owner.role == .device else { return owner }
                var resolved = owner
                resolved.role = devicesWithQueueVectors.contains(owner.deviceName) ? .misc("link") : .allQueues
                return resolved
            }
        }
    }
}

/// The interfaces of a host by the ways IRQ names refer to them: netdev name, PCI function
/// (every netdev on it), virtio device.
private struct DeviceDirectory {
    let names: Set<String>
    private let byName: [String: NetworkInterface]
    private let byPCIAddress: [String: [NetworkInterface]]
    private let byBusID: [String: [NetworkInterface]]
    /// Each interface's msi_irqs as a set: a NIC can have tens of thousands.
    private let msiIRQs: [String: Set<Int>]

    init(_ interfaces: [NetworkInterface]) {
        names = Set(interfaces.map(\.name))
        byName = Dictionary(interfaces.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var pci: [String: [NetworkInterface]] = [:]
        var bus: [String: [NetworkInterface]] = [:]
        var msi: [String: Set<Int>] = [:]
        for interface in interfaces {
            guard let device = interface.device else { continue }
            if let address = device.pciAddress { pci[address, default: []].append(interface) }
            bus[device.busID, default: []].append(interface)
            msi[interface.name] = Set(device.msiIRQs)
        }
        byPCIAddress = pci
        byBusID = bus
        msiIRQs = msi
    }

    /// How an IRQ named after `interface` is confirmed: its msi_irqs or legacy line, else the name
    /// alone; nil when the interface cannot own it (virtual, or msi_irqs that leave it out).
    func evidence(for irq: Int, on interface: NetworkInterface) -> IRQOwner.Source? {
        guard let device = interface.device else { return nil }
        let vectors = msiIRQs[interface.name] ?? []
        if vectors.contains(irq) { return .msiIRQs }
        if device.legacyIRQ == irq { return .legacyIRQ }
        return vectors.isEmpty ? .irqName : nil
    }

    func resolve(_ reference: DeviceReference) -> [NetworkInterface] {
        switch reference {
        case .interface(let name): return byName[name].map { [$0] } ?? []
        case .pci(let address): return byPCIAddress[address] ?? []
        case .virtio(let name): return Array((byBusID[name] ?? []).prefix(1))
        }
    }
}
