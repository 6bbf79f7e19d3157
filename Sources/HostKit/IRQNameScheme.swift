/// Reads IRQ names by the naming schemes of the common NIC drivers.
///
/// Drivers name their MSI-X vectors when they call `request_irq`, and each family has its own
/// scheme. Some carry the netdev name (`eth0-TxRx-3`), some only the PCI address
/// (`mlx5_comp3@pci:0000:3b:00.0`), some a virtio device (`virtio2-input.0`). The name is the
/// fallback when the netdev netlink family cannot say which IRQ serves which queue. Every scheme
/// cites the driver source and the format string it prints, so a reader can check it.
public struct IRQNameScheme: Sendable {
    /// Interface names the host has; a name that matches a scheme and one of these is trusted
    /// even when it does not look like a usual interface name.
    public var knownInterfaces: Set<String>

    public init(knownInterfaces: Set<String> = []) {
        self.knownInterfaces = knownInterfaces
    }

    /// Driver prefixes Intel's newer drivers put before the netdev name (`i40e-eth0-TxRx-0`).
    private static let driverPrefixes = ["i40e-", "ice-", "iavf-", "i40evf-", "idpf-"]

    /// Reads one name on its own. Some schemes need the device's other vector names to say which
    /// queue a vector serves (tg3's numbering, gve's notification blocks): `classify(names:driver:)`
    /// applies those.
    public func classify(_ name: String) -> IRQNameMatch? {
        if let match = classifyAtPCI(name) { return match }
        if let match = classifyHNS3(name) { return match }
        if let match = classifyVirtio(name) { return match }
        for prefix in Self.driverPrefixes where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            if let match = classifyDriverPrefixed(rest, driver: String(prefix.dropLast())) { return match }
        }
        return classifyInterfaceNamed(name)
    }

    /// Reads the names of a host's (or one device's) vectors together, as `IRQOwnership` does:
    /// each alone, then what the set says about numbering (tg3 counts its vectors from 1, gve
    /// splits its notification blocks between tx and rx). `driver` is the driver of the device
    /// the names belong to, when sysfs tells it.
    public func classify(names: [String], driver: String? = nil) -> [IRQNameMatch?] {
        var vectors = names.enumerated().compactMap { index, name in
            classify(name).map { NamedVector(irq: index, match: $0, driver: driver) }
        }
        IRQVectorNumbering.apply(to: &vectors)
        var matches = [IRQNameMatch?](repeating: nil, count: names.count)
        for vector in vectors { matches[vector.irq] = vector.match }
        return matches
    }

    /// A name the host has, or one shaped like the interface names kernels and udev give.
    /// Without this check `hpet2`, `nvme0q1` or `ahci[0000:00:1f.2]` would pass for NICs.
    func isInterfaceName<S: StringProtocol>(_ name: S) -> Bool {
        if knownInterfaces.contains(String(name)) { return true }
        return Self.looksLikeInterfaceName(name)
    }

    static let interfacePrefixes = [
        "eth", "en", "em", "ib", "wl", "ww", "bond", "team", "vmnic", "lan", "wan", "net", "nic", "veth",
        "ge", "xe", "te", "mlx", "ixgbe", "igb", "vnet", "tap", "dpdk", "sfp", "qsfp", "gbe", "data", "mgmt",
    ]

    static func looksLikeInterfaceName<S: StringProtocol>(_ name: S) -> Bool {
        let bytes = name.utf8
        guard let first = bytes.first, bytes.count <= 15 else { return false }
        guard
            bytes.allSatisfy({ byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || byte.isASCIIDigit || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            })
        else { return false }
        // Predictable names for PCI slots: p1p1, p2p1s0.
        if first == UInt8(ascii: "p"), let second = bytes.dropFirst().first, second.isASCIIDigit { return true }
        // Compared as bytes: the name is ASCII by now, so that is what `hasPrefix` would say.
        return interfacePrefixes.contains { bytes.starts(with: $0.utf8) }
    }
}

/// One classified vector name and what is known of its device, for the passes that read a
/// device's names together.
struct NamedVector: Sendable {
    var irq: Int
    var match: IRQNameMatch
    /// The driver of the device the name resolved to, when sysfs tells it.
    var driver: String?
}
