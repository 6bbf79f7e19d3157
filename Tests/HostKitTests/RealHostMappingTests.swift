import CMTuneTestSupport
import HostKit
import Testing

/// The queue mapping on every real host's /proc/interrupts, from names alone (the trees hold
/// nothing else). The expected owner and role of each NIC IRQ is written down here by hand
/// from the fixture, and no other IRQ may be claimed (no `hpet2` or `ahci` taken for a NIC).
@Suite("Real hosts: IRQ names to devices and queues")
struct RealHostMappingTests {
    static func queues(_ irqs: ClosedRange<Int>, _ device: String, _ kind: String, from first: Int = 0) -> [Int: String] {
        Dictionary(uniqueKeysWithValues: irqs.enumerated().map { ($1, "\(device) \(kind)-\(first + $0)") })
    }

    static func merge(_ parts: [Int: String]...) -> [Int: String] {
        parts.reduce(into: [:]) { $0.merge($1) { first, _ in first } }
    }

    static let expected: [String: [Int: String]] = [
        // X710 (i40e: driver-prefixed names, flow director and misc vectors by PCI address), I217 (e1000e, one vector),
        // and an igb-style eth3.
        "1xE3-1271.I217_and_X710.L2_mixed.masterconf": merge(
            [32: "0000:01:00.0 misc", 37: "0000:01:00.0 fdir-0", 46: "0000:01:00.1 misc", 51: "0000:01:00.1 fdir-0"],
            queues(33...36, "eth0", "rx/tx"),
            [60: "eth2 all queues", 61: "eth3 link"], queues(62...65, "eth3", "rx/tx")),
        // i350 (igb TxRx), a D-Link DGE-530T on skge naming itself by PCI address, e1000e eth0.
        "1xi3.single_i350.l2_mixed.manual": merge(
            [19: "0000:05:00.0 all queues", 34: "eth6 link", 41: "eth0 all queues"], queues(35...38, "eth6", "rx/tx")),
        // i350 x2 (8 queues each) and 82599ES x2 (32 queues each, link vector after the queues).
        "2xE5-2640.i350_and_82599ES.l2_mixed.masterconf": merge(
            [91: "eth0 link", 100: "eth1 link", 141: "eth5 link", 174: "eth4 link"],
            queues(92...99, "eth0", "rx/tx"), queues(101...108, "eth1", "rx/tx"),
            queues(109...140, "eth5", "rx/tx"), queues(142...173, "eth4", "rx/tx"),
            queues(175...206, "eth2", "rx/tx"), [207: "eth2 link"],
            queues(208...239, "eth3", "rx/tx"), [240: "eth3 link"]),
        // 82576 (igb TxRx) and 82574L (e1000e: one rx, one tx and a link vector).
        "2xE5530.82576_and_82574L.l2_mixed.manual": merge(
            [68: "eth3 link"], queues(69...76, "eth3", "rx/tx"),
            [77: "eth0 rx-0", 78: "eth0 tx-0", 79: "eth0 link", 80: "eth1 rx-0", 81: "eth1 tx-0", 82: "eth1 link"]),
        // igb with separate rx and tx vectors; eth2, eth3 single-vector.
        "2xI350.i5-6400": merge(
            [127: "eth0 link", 136: "eth1 link", 145: "eth3 all queues", 146: "eth2 all queues"],
            queues(128...131, "eth0", "rx"), queues(132...135, "eth0", "tx"),
            queues(137...140, "eth1", "rx"), queues(141...144, "eth1", "tx")),
        // ConnectX-3 Pro (mlx4 completion vectors by PCI address; mlx4_en rings as eth2-N) and BCM5709 (bnx2 eth0-N).
        "2xX5650.BCM5709_and_MT27520.L2.manual": merge(
            queues(60...62, "0000:07:00.0", "rx/tx"), [63: "0000:07:00.0 mlx4-async"],
            queues(64...71, "eth2", "rx/tx"), queues(77...84, "eth0", "rx/tx"), queues(86...93, "eth1", "rx/tx")),
        "igb.E5606": merge(
            [57: "eth0 link", 66: "eth1 link", 84: "eth3 link", 93: "eth4 link", 102: "eth5 link"],
            queues(58...61, "eth0", "rx"), queues(62...65, "eth0", "tx"), queues(67...70, "eth1", "rx"), queues(71...74, "eth1", "tx"),
            queues(85...88, "eth3", "rx"), queues(89...92, "eth3", "tx"), queues(94...97, "eth4", "rx"), queues(98...101, "eth4", "tx"),
            queues(103...106, "eth5", "rx"), queues(107...110, "eth5", "tx")),
        "ixgbe.E5645": merge(
            [63: "eth2 all queues", 64: "eth3 all queues", 65: "eth0 link", 74: "eth1 link"],
            queues(66...73, "eth0", "rx/tx"), queues(75...82, "eth1", "rx/tx")),
        // e1000 on a shared legacy line with USB; virtio-net with one vector for all virtqueues.
        "kvm.l3.masterconf": [11: "eth0 all queues", 24: "virtio0 config", 25: "virtio0 all queues"],
        // virtio-net multiqueue names; virtio1 is a block device (req.0) and is not claimed.
        "vscale-vm": [26: "virtio0 config", 27: "virtio0 rx-0", 28: "virtio0 tx-0"],
    ]

    @Test("each host's NIC IRQs map to the written-down device and queue", arguments: RealHosts.names)
    func mapping(host: String) throws {
        let tree = RealHosts.interruptsOnlyTree(host)
        let inventory = HostInventory.read(from: tree.root, selection: .withQueues, irqScope: .all)
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
        let expected = try #require(Self.expected[host])
        var actual: [Int: String] = [:]
        for (irq, owners) in inventory.ownership.owners {
            let owner = try #require(owners.first)
            actual[irq] = "\(owner.deviceName) \(owner.role.label)"
            #expect(owner.source == .irqName, "IRQ \(irq): only names were available")
        }
        for irq in Set(expected.keys).union(actual.keys).sorted() {
            #expect(actual[irq] == expected[irq], "\(host) IRQ \(irq) (\(inventory.interrupts.line(irq: irq)?.name ?? "?"))")
        }
    }

    @Test("a shared legacy line names every device on it")
    func sharedLine() {
        let tree = RealHosts.interruptsOnlyTree("kvm.l3.masterconf")
        let inventory = HostInventory.read(from: tree.root, irqScope: .all)
        #expect(inventory.ownership.owners(of: 11).map(\.deviceName) == ["eth0", "eth1"])
    }

    @Test("interfaces known only from names are reported with their queues and IRQs")
    func inferredInterfaces() throws {
        let tree = RealHosts.interruptsOnlyTree("igb.E5606")
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.interfaces.map(\.name) == ["eth0", "eth1", "eth3", "eth4", "eth5"])
        let eth4 = try #require(inventory.interfaces.first { $0.name == "eth4" })
        #expect(eth4.inferredFromIRQNames)
        #expect(eth4.queues.map(\.label) == ["rx-0", "tx-0", "rx-1", "tx-1", "rx-2", "tx-2", "rx-3", "tx-3"])
        #expect(eth4.queues.first { $0.label == "rx-3" }?.irq == 97)
        #expect(eth4.queues.first { $0.label == "rx-3" }?.interruptCount == 1_275_143_167 + 1_144_794_732)
        #expect(eth4.otherIRQs.map(\.irq) == [93])
        let x710 = RealHosts.interruptsOnlyTree("1xE3-1271.I217_and_X710.L2_mixed.masterconf")
        let combined = HostInventory.read(from: x710.root, selection: .named(["eth3"]))
        #expect(combined.interfaces.first?.queues.map(\.label) == ["rx/tx-0", "rx/tx-1", "rx/tx-2", "rx/tx-3"])
    }
}
