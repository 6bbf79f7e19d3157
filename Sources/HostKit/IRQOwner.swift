/// Which device an IRQ belongs to and what it does for it, with the evidence used.
public struct IRQOwner: Sendable, Equatable {
    /// Where the link between IRQ and queue came from, best first.
    public enum Source: String, Sendable, Equatable, Codable {
        /// The netdev generic-netlink family: queue -> NAPI -> IRQ, straight from the kernel.
        case netdevNetlink = "netdev-netlink"
        /// The IRQ is in the device's `msi_irqs`; its role comes from the driver's naming scheme.
        case msiIRQs = "msi-irqs"
        /// The device's legacy INTx line.
        case legacyIRQ = "legacy-irq"
        /// Only the IRQ name says so (a partial snapshot, or a name naming another device).
        case irqName = "irq-name"
    }

    /// The interface, when the reference resolves to one the host has.
    public var interface: String?
    /// How the name referred to the device: `eth0`, `0000:3b:00.0`, `virtio2`.
    public var reference: DeviceReference
    public var role: IRQRole
    public var source: Source
    /// The naming scheme that matched, when the name was used.
    public var scheme: String?

    public init(interface: String?, reference: DeviceReference, role: IRQRole, source: Source, scheme: String?) {
        self.interface = interface
        self.reference = reference
        self.role = role
        self.source = source
        self.scheme = scheme
    }

    /// The name to show: the interface when known, else what the IRQ name said.
    public var deviceName: String { interface ?? reference.description }

    /// The queue this IRQ serves, if it serves exactly one.
    public var queue: (kind: QueueKind, index: Int)? {
        if case .queue(let kind, let index) = role { return (kind, index) }
        return nil
    }
}
