import CMTuneTestSupport
import HostKit
import Testing

/// The tricky driver schemes end to end: a synthetic sysfs tree with the driver's vector names,
/// read by `HostInventory.read` as `cmtune nic` reads a host.
@Suite("Driver queue mapping through the inventory")
struct DriverQueueMappingTests {
    static func host(_ nic: SyntheticHost.NIC) -> SyntheticHost {
        var host = SyntheticHost()
        host.nodes = [CPUSet(0..<8)]
        host.nics = [nic]
        return host
    }

    static func queue(_ report: InterfaceReport, _ label: String) -> QueueReport? {
        report.queues.first { $0.label == label }
    }

    @Test("qlcnic: the vector of rx ring 3 that also completes tx ring 0 shows on both queues, and no eth0-tx-0 interface appears")
    func qlcnicPair() throws {
        var nic = SyntheticHost.NIC(
            name: "eth0", driver: "qlcnic", pciAddress: "0000:04:00.0", numaNode: 0, queues: 4,
            vectorNames: ["eth0-rx-0", "eth0-rx-1", "eth0-rx-2", "eth0-tx-0-rx-3"], extraIRQs: [])
        nic.txQueues = 1
        let tree = FixtureTree()
        let irqs = Self.host(nic).write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
        #expect(inventory.interfaces.map(\.name) == ["eth0"])
        let eth0 = try #require(inventory.interfaces.first)
        let pair = try #require(irqs["eth0-tx-0-rx-3"])
        #expect(Self.queue(eth0, "rx-3")?.irq == pair)
        #expect(Self.queue(eth0, "tx-0")?.irq == pair)
        #expect(Self.queue(eth0, "rx-0")?.irq == irqs["eth0-rx-0"])
        #expect(eth0.queues.map(\.label) == ["rx-0", "tx-0", "rx-1", "rx-2", "rx-3"])
        #expect(eth0.queues.allSatisfy { $0.irqSource == .msiIRQs })
        #expect(inventory.ownership.owners(of: pair).map(\.role) == [.queuePair(rx: 3, tx: 0)])
    }

    @Test("mlx4: both ports of one PCI function get the completion vectors; no interface is named after the PCI address")
    func mlx4Ports() throws {
        var nic = SyntheticHost.NIC(
            name: "eth2", driver: "mlx4_core", pciAddress: "0000:07:00.0", numaNode: 0, queues: 4,
            vectorNames: (0..<4).map { "mlx4-comp-\($0)@pci:0000:07:00.0" }, extraIRQs: ["mlx4-async@pci:0000:07:00.0"])
        nic.extraPorts = ["eth3"]
        let tree = FixtureTree()
        let irqs = Self.host(nic).write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
        #expect(inventory.interfaces.map(\.name) == ["eth2", "eth3"])
        for port in inventory.interfaces {
            #expect(port.queues.map(\.label) == (0..<4).map { "rx/tx-\($0)" }, "\(port.name)")
            #expect(port.queues.map(\.irq) == (0..<4).map { irqs["mlx4-comp-\($0)@pci:0000:07:00.0"] }, "\(port.name)")
            #expect(port.queues.allSatisfy { $0.irqSource == .msiIRQs })
            #expect(port.otherIRQs.map(\.irq) == [irqs["mlx4-async@pci:0000:07:00.0"]], "\(port.name)")
        }
        let comp0 = try #require(irqs["mlx4-comp-0@pci:0000:07:00.0"])
        #expect(inventory.ownership.owners(of: comp0).map(\.deviceName) == ["eth2", "eth3"])
    }

    @Test("mlx4 on older mlx4_en: a port's own ring vectors serve its queues before the shared completion vectors")
    func mlx4RingVectorsFirst() throws {
        var nic = SyntheticHost.NIC(
            name: "eth2", driver: "mlx4_core", pciAddress: "0000:07:00.0", numaNode: 0, queues: 2,
            vectorNames: ["mlx4-comp-0@pci:0000:07:00.0", "mlx4-comp-1@pci:0000:07:00.0", "eth2-0", "eth2-1", "eth3-0", "eth3-1"],
            extraIRQs: [])
        nic.extraPorts = ["eth3"]
        let tree = FixtureTree()
        let irqs = Self.host(nic).write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        let eth3 = try #require(inventory.interfaces.first { $0.name == "eth3" })
        #expect(eth3.queues.map(\.irq) == [irqs["eth3-0"], irqs["eth3-1"]])
        #expect(eth3.otherIRQs.map(\.irq) == [irqs["mlx4-comp-0@pci:0000:07:00.0"], irqs["mlx4-comp-1@pci:0000:07:00.0"]])
        // eth2's ring vectors are not handed to eth3 as unknown vectors of the function.
        #expect(!eth3.otherIRQs.contains { $0.irq == irqs["eth2-0"] })
    }

    @Test("tg3 with driver tg3: rx queue i is vector rx-(i + 1), tx-0 is vector 0")
    func tg3Renumbering() throws {
        let nic = SyntheticHost.NIC(
            name: "eth0", driver: "tg3", pciAddress: "0000:02:00.0", numaNode: 0, queues: 4,
            vectorNames: ["eth0-tx-0", "eth0-rx-1", "eth0-rx-2", "eth0-rx-3", "eth0-rx-4"], extraIRQs: [])
        let tree = FixtureTree()
        let irqs = Self.host(nic).write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        let eth0 = try #require(inventory.interfaces.first)
        for index in 0..<4 {
            #expect(Self.queue(eth0, "rx-\(index)")?.irq == irqs["eth0-rx-\(index + 1)"], "rx-\(index)")
        }
        #expect(Self.queue(eth0, "tx-0")?.irq == irqs["eth0-tx-0"])
        #expect(Self.queue(eth0, "tx-1")?.irq == nil)
        #expect(eth0.irqScheme == "tg3")
    }

    @Test("gve: tx queue i on notification block i, rx queue i on block N/2 + i, the management vector apart")
    func gveBlocks() throws {
        let nic = SyntheticHost.NIC(
            name: "ens4", driver: "gve", pciAddress: "0000:00:04.0", numaNode: 0, queues: 4,
            vectorNames: (0..<8).map { "gve-ntfy-blk\($0)@pci:0000:00:04.0" }, extraIRQs: ["gve-mgmnt@pci:0000:00:04.0"])
        let tree = FixtureTree()
        let irqs = Self.host(nic).write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
        let ens4 = try #require(inventory.interfaces.first)
        for index in 0..<4 {
            #expect(Self.queue(ens4, "tx-\(index)")?.irq == irqs["gve-ntfy-blk\(index)@pci:0000:00:04.0"])
            #expect(Self.queue(ens4, "rx-\(index)")?.irq == irqs["gve-ntfy-blk\(index + 4)@pci:0000:00:04.0"])
        }
        #expect(ens4.otherIRQs.map(\.role) == [.misc("management")])
        #expect(ens4.queues.allSatisfy { !$0.irqShared })
    }
}
