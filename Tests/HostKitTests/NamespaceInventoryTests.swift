import CMTuneTestSupport
import HostKit
import Testing

/// /proc/interrupts is global, /sys/class/net is per network namespace: inside a container the
/// host's IRQ names must not be pinned on the container's interfaces, nor shown as its devices.
@Suite("Network namespaces and IRQ names")
struct NamespaceInventoryTests {
    /// A container's view: a 4-queue veth called eth0, while /proc/interrupts lists the host's
    /// ixgbe eth0 and virtio-net vectors.
    static func container(initialNamespace: Bool) -> SyntheticHost {
        var host = SyntheticHost()
        host.initialNetworkNamespace = initialNamespace
        host.virtualInterfaces = [("lo", 1), ("eth0", 4)]
        host.foreignIRQNames = ["eth0"] + (0..<4).map { "eth0-TxRx-\($0)" } + ["virtio2-config", "virtio2-input.0", "virtio2-output.0"]
        return host
    }

    @Test("the tree tells the initial namespace from another by rps_sock_flow_entries")
    func detection() {
        let initial = FixtureTree()
        Self.container(initialNamespace: true).write(to: initial)
        #expect(NetworkNamespace.isInitial(initial.root) == true)
        let other = FixtureTree()
        Self.container(initialNamespace: false).write(to: other)
        #expect(NetworkNamespace.isInitial(other.root) == false)
        #expect(NetworkNamespace.isInitial(RealHosts.interruptsOnlyTree("igb.E5606").root) == nil)
    }

    @Test("inside a container the host's eth0 vectors are not the veth's, and the host's devices are left out with a note")
    func containerView() throws {
        let tree = FixtureTree()
        let irqs = Self.container(initialNamespace: false).write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .all)
        #expect(inventory.isInitialNetworkNamespace == false)
        #expect(inventory.interfaces.map(\.name) == ["eth0", "lo"])
        let eth0 = try #require(inventory.interfaces.first { $0.name == "eth0" })
        #expect(eth0.queues.count == 8)
        #expect(eth0.queues.allSatisfy { $0.irq == nil })
        #expect(eth0.otherIRQs.isEmpty)
        for name in ["eth0", "eth0-TxRx-0", "virtio2-input.0"] {
            let irq = try #require(irqs[name])
            #expect(inventory.ownership.owners(of: irq).allSatisfy { $0.interface == nil }, "\(name)")
        }
        #expect(inventory.otherNamespaceDevices == ["eth0", "virtio2"])
        let note = try #require(inventory.namespaceNote)
        #expect(note.severity == .info)
        #expect(note.evidence.contains("eth0, virtio2"))
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
    }

    @Test("--all-namespaces shows the devices known from names, still without pinning the host's vectors on the veth")
    func allNamespaces() throws {
        let tree = FixtureTree()
        let irqs = Self.container(initialNamespace: false).write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .all, namespaces: .all)
        #expect(inventory.otherNamespaceDevices.isEmpty)
        #expect(inventory.namespaceNote == nil)
        #expect(inventory.interfaces.map(\.name) == ["eth0", "lo", "virtio2"])
        let virtio2 = try #require(inventory.interfaces.last)
        #expect(virtio2.inferredFromIRQNames)
        #expect(virtio2.queues.map(\.irq) == [irqs["virtio2-input.0"], irqs["virtio2-output.0"]])
        let eth0 = try #require(inventory.interfaces.first { $0.name == "eth0" })
        #expect(eth0.queues.allSatisfy { $0.irq == nil })
    }

    @Test("asking for a host device by name inside a container says where it is")
    func namedHostDevice() {
        let tree = FixtureTree()
        Self.container(initialNamespace: false).write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["virtio2"]))
        #expect(inventory.interfaces.isEmpty)
        #expect(
            inventory.issues.map(\.message) == [
                "no interface named 'virtio2' in this network namespace; only the host's IRQ names mention it (--all-namespaces shows it)"
            ])
    }

    @Test("in the initial namespace too, a virtual interface never takes vectors by name alone")
    func virtualInterfaceInInitialNamespace() throws {
        let tree = FixtureTree()
        let irqs = Self.container(initialNamespace: true).write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .all)
        #expect(inventory.isInitialNetworkNamespace == true)
        let eth0 = try #require(inventory.interfaces.first { $0.name == "eth0" })
        #expect(eth0.queues.allSatisfy { $0.irq == nil })
        #expect(inventory.ownership.owners(of: try #require(irqs["eth0-TxRx-1"])).map(\.interface) == [nil])
        // virtio2 is still reported from its names, as on any host with only names to go by.
        #expect(inventory.interfaces.map(\.name) == ["eth0", "lo", "virtio2"])
    }

    @Test("a NIC whose msi_irqs leave an IRQ out does not take it by name (stale or another namespace's)")
    func msiIRQsExcludeTheName() throws {
        var host = SyntheticHost.healthy()
        host.foreignIRQNames = ["eth0-TxRx-7"]
        let tree = FixtureTree()
        let irqs = host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        let stray = try #require(irqs["eth0-TxRx-7"])
        #expect(inventory.ownership.owners(of: stray).map(\.interface) == [nil])
        let eth0 = try #require(inventory.interfaces.first)
        #expect(!eth0.queues.contains { $0.irq == stray })
        #expect(!eth0.otherIRQs.contains { $0.irq == stray })
        #expect(eth0.queues.map(\.irq) == (0..<4).map { irqs["eth0-TxRx-\($0)"] })
    }
}
