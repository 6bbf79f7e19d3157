/// What a driver's IRQ name says about the interrupt: which device, and which queue.
///
/// Drivers name their MSI-X vectors when they call `request_irq`, and each family has its own
/// scheme. Some carry the netdev name (`eth0-TxRx-3`), some only the PCI address
/// (`mlx5_comp3@pci:0000:3b:00.0`), some a virtio device (`virtio2-input.0`). The name is the
/// fallback when the netdev netlink family cannot say which IRQ serves which queue.

/// The kind of a queue or queue vector: a combined vector serves rx-N and tx-N together.
public enum QueueKind: String, Sendable, Hashable, Codable, CaseIterable {
    case rx, tx, combined
}

/// How an IRQ's name refers to its device.
public enum DeviceReference: Sendable, Hashable, CustomStringConvertible {
    /// A network interface name, as the driver saw it when it requested the IRQ.
    case interface(String)
    /// A PCI function address, `0000:3b:00.0`.
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
    /// Services one queue (or one rx/tx pair, for `.combined`).
    case queue(QueueKind, Int)
    /// Named after the device alone: the link/misc vector when the device has queue vectors,
    /// the only vector (all queues) when it has none.
    case device
    /// The device's only vector, serving every queue (single-vector NICs, `virtio0-virtqueues`).
    case allQueues
    /// A vector with a purpose other than queues: `config`, `async`, `misc`, `event`, `link`.
    case misc(String)
    /// Intel's flow director sideband queue, which carries no regular traffic.
    case flowDirector(Int)
}

/// The outcome of reading an IRQ name.
public struct IRQNameMatch: Sendable, Hashable {
    public var reference: DeviceReference
    public var role: IRQRole
    /// The naming scheme that matched, for the user and for tests: `mlx5`, `TxRx`, `virtio`...
    public var scheme: String

    public init(device: DeviceReference, role: IRQRole, scheme: String) {
        self.reference = device
        self.role = role
        self.scheme = scheme
    }
}

/// Reads IRQ names by the naming schemes of the common NIC drivers.
public struct IRQNameScheme: Sendable {
    /// Interface names the host has; a name that matches a scheme and one of these is trusted
    /// even when it does not look like a usual interface name.
    public var knownInterfaces: Set<String>

    public init(knownInterfaces: Set<String> = []) {
        self.knownInterfaces = knownInterfaces
    }

    /// Suffix schemes of the form `<dev><marker><n>`, most specific first.
    private static let suffixSchemes: [(marker: String, kind: QueueKind?, scheme: String)] = [
        ("-TxRx-", .combined, "TxRx"),  // ixgbe, igb, igc, i40e (old), bnxt, hns3
        ("-Tx-Rx-", .combined, "ena"),  // Amazon ENA
        ("-rxtx-", .combined, "rxtx"),  // vmxnet3, nfp
        ("-fp-", .combined, "fp"),  // bnx2x, qede (Broadcom/QLogic fast path)
        ("-ntfy-block.", .combined, "gve"),  // Google gVNIC
        ("-rx-", .rx, "rx/tx"),  // igb, e1000e, vmxnet3, qlge
        ("-tx-", .tx, "rx/tx"),
        ("-event-", nil, "vmxnet3"),  // vmxnet3 event vector
        ("-q", .combined, "be2net"),  // Emulex be2net: `eth0-q3`
    ]

    /// Virtqueue names of virtio devices that are not NICs (virtio_blk, virtio_scsi, virtio_balloon).
    private static let otherVirtioQueues = ["req", "request", "inflate", "deflate", "stats", "free_page_vq", "reporting_vq"]

    /// Driver prefixes Intel's newer drivers put before the netdev name (`i40e-eth0-TxRx-0`).
    private static let driverPrefixes = ["i40e-", "ice-", "iavf-", "i40evf-", "idpf-", "qlcnic-"]

    public func classify(_ name: String) -> IRQNameMatch? {
        if let match = classifyAtPCI(name) { return match }
        if let match = classifyVirtio(name) { return match }
        for prefix in Self.driverPrefixes where name.hasPrefix(prefix) {
            let rest = String(name.dropFirst(prefix.count))
            if let match = classifyDriverPrefixed(rest, driver: String(prefix.dropLast())) { return match }
        }
        return classifyInterfaceNamed(name)
    }

    /// `mlx5_comp3@pci:0000:3b:00.0`, `mlx4-comp-0@pci:...`, `mlx4-async@pci:...`, `skge@pci:...`.
    private func classifyAtPCI(_ name: String) -> IRQNameMatch? {
        guard let at = name.lastIndex(of: "@") else { return nil }
        var address = name[name.index(after: at)...]
        if address.hasPrefix("pci:") { address = address.dropFirst(4) }
        guard PCIAddress.isValid(address) else { return nil }
        let device = DeviceReference.pci(String(address))
        let head = String(name[..<at])
        if let n = trailingNumber(head, after: "mlx5_comp") { return IRQNameMatch(device: device, role: .queue(.combined, n), scheme: "mlx5") }
        if let n = trailingNumber(head, after: "mlx4-comp-") { return IRQNameMatch(device: device, role: .queue(.combined, n), scheme: "mlx4") }
        if let n = trailingNumber(head, after: "mlx4-") { return IRQNameMatch(device: device, role: .queue(.combined, n), scheme: "mlx4") }
        if head.hasPrefix("mlx5_") || head.hasPrefix("mlx4-") || head.hasPrefix("ena-") {
            return IRQNameMatch(device: device, role: .misc(head), scheme: head.hasPrefix("ena-") ? "ena" : String(head.prefix(4)))
        }
        return IRQNameMatch(device: device, role: .device, scheme: "driver@pci")
    }

    /// `virtio2-input.0`, `virtio2-output.0`, `virtio0-virtqueues`, `virtio3-rx`, `virtio1`.
    private func classifyVirtio(_ name: String) -> IRQNameMatch? {
        guard name.hasPrefix("virtio") else { return nil }
        let afterPrefix = name.dropFirst(6)
        let digits = afterPrefix.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty else { return nil }
        let device = DeviceReference.virtio("virtio" + digits)
        let rest = afterPrefix.dropFirst(digits.count)
        if rest.isEmpty { return IRQNameMatch(device: device, role: .device, scheme: "virtio") }
        guard rest.hasPrefix("-") else { return nil }
        let purpose = String(rest.dropFirst())
        if let n = trailingNumber(purpose, after: "input.") { return IRQNameMatch(device: device, role: .queue(.rx, n), scheme: "virtio") }
        if let n = trailingNumber(purpose, after: "output.") { return IRQNameMatch(device: device, role: .queue(.tx, n), scheme: "virtio") }
        // Queues of other virtio devices: block, SCSI, balloon. Not a NIC's, whatever the index.
        if Self.otherVirtioQueues.contains(where: { purpose == $0 || purpose.hasPrefix($0 + ".") }) { return nil }
        switch purpose {
        // Single-queue virtio-net before 3.8 named its virtqueues `input` and `output`.
        case "rx", "input": return IRQNameMatch(device: device, role: .queue(.rx, 0), scheme: "virtio")
        case "tx", "output": return IRQNameMatch(device: device, role: .queue(.tx, 0), scheme: "virtio")
        case "virtqueues": return IRQNameMatch(device: device, role: .allQueues, scheme: "virtio")
        default: return IRQNameMatch(device: device, role: .misc(purpose), scheme: "virtio")
        }
    }

    /// After an `i40e-`/`ice-` prefix: `eth0-TxRx-3`, `0000:01:00.0:fdir-TxRx-0`, `0000:01:00.0:misc`.
    private func classifyDriverPrefixed(_ rest: String, driver: String) -> IRQNameMatch? {
        if let colon = rest.lastIndex(of: ":"), PCIAddress.isValid(rest[..<colon]) {
            let device = DeviceReference.pci(String(rest[..<colon]))
            let purpose = String(rest[rest.index(after: colon)...])
            if let n = trailingNumber(purpose, after: "fdir-TxRx-") {
                return IRQNameMatch(device: device, role: .flowDirector(n), scheme: driver)
            }
            return IRQNameMatch(device: device, role: .misc(purpose), scheme: driver)
        }
        // qlcnic: `qlcnic-eth0[2]`.
        if let match = classifyBracketed(rest, scheme: driver) { return match }
        guard var match = classifyInterfaceNamed(rest) else { return nil }
        match.scheme = driver
        return match
    }

    /// `<dev>-TxRx-<n>` and the other suffix schemes, then `<dev>-<n>`, `<dev>[<n>]`, `<dev>`.
    private func classifyInterfaceNamed(_ name: String) -> IRQNameMatch? {
        for (marker, kind, scheme) in Self.suffixSchemes {
            guard let range = name.lastRange(of: marker) else { continue }
            let device = String(name[..<range.lowerBound])
            guard let n = Int(name[range.upperBound...]), isInterfaceName(device) else { continue }
            let role: IRQRole = kind.map { .queue($0, n) } ?? .misc(String(marker.dropFirst().dropLast()) + "-\(n)")
            return IRQNameMatch(device: .interface(device), role: role, scheme: scheme)
        }
        // bnx2, tg3, mlx4_en, sfc: `<dev>-<n>`.
        if let dash = name.lastIndex(of: "-"), let n = Int(name[name.index(after: dash)...]) {
            let device = String(name[..<dash])
            if isInterfaceName(device) { return IRQNameMatch(device: .interface(device), role: .queue(.combined, n), scheme: "dev-N") }
        }
        if let match = classifyBracketed(name, scheme: "netxen") { return match }
        if isInterfaceName(name) { return IRQNameMatch(device: .interface(name), role: .device, scheme: "device") }
        return nil
    }

    /// netxen and qlcnic: `eth0[2]`.
    private func classifyBracketed(_ name: String, scheme: String) -> IRQNameMatch? {
        guard name.hasSuffix("]"), let open = name.lastIndex(of: "[") else { return nil }
        let device = String(name[..<open])
        guard let n = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]), isInterfaceName(device) else {
            return nil
        }
        return IRQNameMatch(device: .interface(device), role: .queue(.combined, n), scheme: scheme)
    }

    private func trailingNumber(_ text: String, after prefix: String) -> Int? {
        guard text.hasPrefix(prefix) else { return nil }
        let digits = text.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// A name the host has, or one shaped like the interface names kernels and udev give.
    /// Without this check `hpet2`, `nvme0q1` or `ahci[0000:00:1f.2]` would pass for NICs.
    func isInterfaceName(_ name: String) -> Bool {
        if knownInterfaces.contains(name) { return true }
        return Self.looksLikeInterfaceName(name)
    }

    static let interfacePrefixes = [
        "eth", "en", "em", "ib", "wl", "ww", "bond", "team", "vmnic", "lan", "wan", "net", "nic", "veth",
        "ge", "xe", "te", "mlx", "ixgbe", "igb", "vnet", "tap", "dpdk", "sfp", "qsfp", "gbe", "data", "mgmt",
    ]

    static func looksLikeInterfaceName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 15 else { return false }
        guard name.utf8.allSatisfy({ byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte.isASCIIDigit || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }) else { return false }
        // Predictable names for PCI slots: p1p1, p2p1s0.
        let utf8 = Array(name.utf8)
        if utf8.count >= 2, utf8[0] == UInt8(ascii: "p"), utf8[1].isASCIIDigit { return true }
        return interfacePrefixes.contains { name.hasPrefix($0) }
    }
}

/// PCI function addresses as sysfs names them: `0000:3b:00.0` (domain:bus:device.function).
public enum PCIAddress {
    public static func isValid<S: StringProtocol>(_ text: S) -> Bool {
        let bytes = Array(text.utf8)
        // dddd:bb:dd.f, or bb:dd.f without the domain.
        let shape: [UInt8]
        switch bytes.count {
        case 12: shape = Array("xxxx:xx:xx.x".utf8)
        case 7: shape = Array("xx:xx.x".utf8)
        default: return false
        }
        for (byte, expected) in zip(bytes, shape) {
            if expected == UInt8(ascii: "x") {
                guard byte.isASCIIDigit || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f")) else { return false }
            } else if byte != expected {
                return false
            }
        }
        return true
    }
}

extension String {
    /// The last occurrence of `needle`, found without Foundation (which costs startup time).
    func lastRange(of needle: String) -> Range<String.Index>? {
        let haystack = Array(utf8)
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, pattern.count <= haystack.count else { return nil }
        var start = haystack.count - pattern.count
        while start >= 0 {
            if haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
                let lower = utf8.index(utf8.startIndex, offsetBy: start)
                let upper = utf8.index(lower, offsetBy: pattern.count)
                return lower..<upper
            }
            start -= 1
        }
        return nil
    }
}
