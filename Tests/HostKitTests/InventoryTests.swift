import CMTuneTestSupport
import HostKit
import Testing

@Suite("Inventory from a full sysfs tree")
struct InventoryTests {
    @Test("devices, drivers, NUMA nodes and queues are read through the sysfs links")
    func interfaces() throws {
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.issues.isEmpty, "\(inventory.issues)")
        #expect(inventory.interfaces.map(\.name) == ["eth0", "eth1", "eth2"])
        let eth1 = try #require(inventory.interfaces.first { $0.name == "eth1" })
        #expect(eth1.interface.device?.driver == "mlx5_core")
        #expect(eth1.interface.device?.bus == "pci")
        #expect(eth1.interface.device?.numaNode == 1)
        #expect(eth1.interface.device?.localCPUs == CPUSet(4..<8))
        let eth2 = try #require(inventory.interfaces.first { $0.name == "eth2" })
        #expect(eth2.interface.device?.busID == "virtio2")
        #expect(eth2.interface.device?.pciAddress == "0000:00:03.0")
        #expect(eth2.interface.device?.numaNode == nil)
        #expect(eth2.interface.device?.msiIRQs.count == 5)
        #expect(inventory.topology.nodes.map(\.cpus) == [CPUSet(0..<4), CPUSet(4..<8)])
    }

    @Test("msi_irqs confirm the owner; PCI and virtio names resolve to the netdev")
    func ownership() throws {
        let tree = FixtureTree()
        let irqs = SyntheticHost.healthy().write(to: tree)
        let inventory = HostInventory.read(from: tree.root, irqScope: .all)
        func owner(_ name: String) -> IRQOwner? { inventory.ownership.owners(of: irqs[name]!).first }
        #expect(owner("eth0-TxRx-2")?.interface == "eth0")
        #expect(owner("eth0-TxRx-2")?.role == .queue(.combined, 2))
        #expect(owner("eth0-TxRx-2")?.source == .msiIRQs)
        #expect(owner("eth0")?.role == .misc("link"))
        #expect(owner("mlx5_comp3@pci:0000:af:00.0")?.interface == "eth1")
        #expect(owner("mlx5_async0@pci:0000:af:00.0")?.role == .misc("mlx5_async0"))
        #expect(owner("virtio2-output.1")?.interface == "eth2")
        #expect(owner("virtio2-output.1")?.role == .queue(.tx, 1))
        // The vsock and block devices' vectors look like queues but are not a NIC's.
        #expect(owner("virtio3-rx") == nil)
        #expect(owner("virtio1-req.0") == nil)
        #expect(owner("hpet2") == nil)
        #expect(owner("xhci_hcd") == nil)
    }

    @Test("each queue carries its IRQ, affinity, effective affinity, RPS and XPS")
    func queueRows() throws {
        var host = SyntheticHost.healthy()
        host.nics[0].rps = { _ in [4, 5] }
        host.nics[0].xps = { CPUSet([$0]) }
        host.nics[0].affinity = { _ in "0-3" }
        let tree = FixtureTree()
        let irqs = host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0", "eth2"]))
        let eth0 = try #require(inventory.interfaces.first)
        #expect(eth0.queues.map(\.label) == ["rx/tx-0", "rx/tx-1", "rx/tx-2", "rx/tx-3"])
        let queue = eth0.queues[2]
        #expect(queue.irq == irqs["eth0-TxRx-2"])
        #expect(queue.settings?.affinity == CPUSet(0..<4))
        #expect(queue.settings?.effectiveAffinity == [2])
        #expect(queue.rpsCPUs == [4, 5])
        #expect(queue.xpsCPUs == [2])
        #expect(queue.irqSource == .msiIRQs)
        #expect(eth0.otherIRQs.map(\.irq) == [irqs["eth0"]!])
        let eth2 = try #require(inventory.interfaces.last)
        #expect(eth2.queues.map(\.label) == ["rx-0", "tx-0", "rx-1", "tx-1"])
        #expect(eth2.queues.map(\.irq) == ["virtio2-input.0", "virtio2-output.0", "virtio2-input.1", "virtio2-output.1"].map { irqs[$0] })
    }

    @Test("netlink's NAPI links override the names and are marked as such")
    func netlinkOverrides() throws {
        let tree = FixtureTree()
        let irqs = SyntheticHost.healthy().write(to: tree)
        // The kernel says rx-0 and tx-0 share NAPI 9 on the IRQ the name calls TxRx-3.
        let napiIRQ = irqs["eth0-TxRx-3"]!
        let facts = FakeFacts(facts: [
            "eth0": DeviceFacts(
                interface: "eth0", ifindex: 3, channels: .value(ChannelCounts(maxCombined: 8, combined: 4)),
                queues: .value([NetdevQueue(kind: .rx, index: 0, napiID: 9), NetdevQueue(kind: .tx, index: 0, napiID: 9)]),
                napis: .value([NAPIInstance(id: 9, irq: napiIRQ, threadPID: 777)]))
        ])
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]), facts: facts)
        let first = try #require(inventory.interfaces.first?.queues.first)
        #expect(first.irq == napiIRQ)
        #expect(first.irqSource == .netdevNetlink)
        #expect(first.napiID == 9)
        #expect(first.napiThreadPID == 777)
        #expect(inventory.ownership.owners(of: napiIRQ).first?.role == .queue(.combined, 0))
        #expect(inventory.interfaces[0].observations.contains { $0.code == "fewer-channels-than-supported" })
    }

    @Test("a missing interface name is an issue; the others are still shown")
    func unknownInterface() {
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth9", "eth0"]))
        #expect(inventory.interfaces.map(\.name) == ["eth0"])
        #expect(inventory.issues.count == 1)
        #expect(inventory.issues[0].message.hasPrefix("no interface named 'eth9'"))
    }

    @Test("malformed sysfs values name their file; the rest is read")
    func malformedValues() {
        let tree = FixtureTree()
        let irqs = SyntheticHost.healthy().write(to: tree)
        tree.write("proc/irq/\(irqs["eth0-TxRx-1"]!)/smp_affinity_list", "0-3,zz")
        tree.write("sys/class/net/eth0/queues/rx-0/rps_cpus", "not-hex")
        tree.write("sys/devices/system/cpu/online", "0-7,")
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        let messages = inventory.issues.map(\.description)
        #expect(messages.contains { $0.contains("proc/irq/\(irqs["eth0-TxRx-1"]!)/smp_affinity_list") && $0.contains("'zz'") })
        #expect(messages.contains { $0.contains("rx-0/rps_cpus") && $0.contains("not hexadecimal") })
        #expect(messages.contains { $0.contains("cpu/online") })
        #expect(inventory.interfaces.first?.queues.count == 4)
    }

    @Test("a mask wider than the CPU count names its file")
    func maskBeyondCPUs() throws {
        var host = SyntheticHost.healthy()
        host.nics[0].affinity = { _ in "0-63" }
        host.nics[0].rps = { _ in [40] }
        let tree = FixtureTree()
        let irqs = host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        let messages = inventory.issues.map(\.description)
        #expect(messages.contains("\(tree.path)/proc/irq/\(irqs["eth0-TxRx-0"]!)/smp_affinity_list: names CPUs 8-63, beyond this host's CPUs 0-7"))
        #expect(messages.contains("\(tree.path)/sys/class/net/eth0/queues/rx-3/rps_cpus: names CPUs 40, beyond this host's CPUs 0-7"))
        #expect(inventory.interfaces[0].queues.count == 4)
    }

    @Test("a driver whose IRQ names follow no known scheme is reported, not guessed")
    func unknownDriver() throws {
        var host = SyntheticHost.healthy()
        host.nics[0].driver = "frobnic"
        host.nics[0].vectorNames = ["frob-a", "frob-b", "frob-c", "frob-d"]
        host.nics[0].extraIRQs = []
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        let issue = try #require(inventory.issues.first)
        #expect(issue.path.hasSuffix("sys/class/net/eth0/device/msi_irqs"))
        #expect(issue.message.contains("driver frobnic names its IRQs in a way cmtune does not know"))
        #expect(issue.message.contains("'frob-a'"))
        #expect(inventory.interfaces[0].queues.allSatisfy { $0.irq == nil })
        #expect(inventory.interfaces[0].otherIRQs.count == 4)
    }

    @Test("a failed netlink call is an issue naming the call and its codes; unsupported is not")
    func netlinkFailure() {
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let facts = FakeFacts(facts: [
            "eth0": DeviceFacts(
                interface: "eth0", ifindex: 3, channels: .notSupported,
                rss: .failed(DeviceQueryFailure(call: "ethtool RSS_GET eth0", errno: 1, libnlCode: 28, message: "operation not permitted: needs CAP_NET_ADMIN"))
            )
        ])
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]), facts: facts)
        #expect(inventory.issues.map(\.description) == ["ethtool RSS_GET eth0: operation not permitted: needs CAP_NET_ADMIN (errno 1, libnl 28)"])
    }

    @Test("a tree with no sysfs falls back to the CPUs of the interrupts header")
    func noSysfs() {
        let tree = RealHosts.interruptsOnlyTree("ixgbe.E5645")
        let inventory = HostInventory.read(from: tree.root)
        #expect(inventory.topology.online == CPUSet(0..<12))
        #expect(inventory.issues.isEmpty)
    }

    @Test("nohz_full reading (null) means none, not a parse error")
    func nohzFullNull() {
        let tree = FixtureTree()
        tree.write("sys/devices/system/cpu/online", "0-3")
        tree.write("sys/devices/system/cpu/nohz_full", "(null)")
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, issues: &issues)
        #expect(issues.isEmpty)
        #expect(topology.nohzFull.isEmpty)
        #expect(topology.online == CPUSet(0..<4))
    }

    @Test("the CPU topology comes from sysfs: siblings, cores, packages, isolated CPUs", arguments: ["igb.E5606", "ixgbe.E5645", "2xI350.i5-6400"])
    func topology(host: String) throws {
        let tree = FixtureTree()
        let rows = try #require(RealHosts.file(host, "lscpu_output")).split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).map { Int($0)! }
        }
        var siblings: [[Int]: CPUSet] = [:]
        for row in rows { siblings[[row[1], row[2]], default: []].insert(row[0]) }
        var nodes: [Int: CPUSet] = [:]
        for row in rows { nodes[row[3], default: []].insert(row[0]) }
        let all = CPUSet(rows.map { $0[0] })
        tree.write("sys/devices/system/cpu/online", all.listString)
        tree.write("sys/devices/system/cpu/possible", all.listString)
        tree.write("sys/devices/system/cpu/isolated", "1")
        tree.write("sys/devices/system/cpu/nohz_full", "1-2")
        tree.write("sys/devices/system/node/online", CPUSet(nodes.keys).listString)
        for (node, cpus) in nodes { tree.write("sys/devices/system/node/node\(node)/cpulist", cpus.listString) }
        for row in rows {
            tree.write("sys/devices/system/cpu/cpu\(row[0])/topology/core_id", String(row[1]))
            tree.write("sys/devices/system/cpu/cpu\(row[0])/topology/physical_package_id", String(row[2]))
            tree.write("sys/devices/system/cpu/cpu\(row[0])/topology/thread_siblings_list", siblings[[row[1], row[2]]]!.listString)
        }
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, detail: .full, issues: &issues)
        #expect(issues.isEmpty)
        #expect(topology.online == all)
        #expect(topology.isolated == [1])
        #expect(topology.nohzFull == [1, 2])
        #expect(topology.physicalCores.count == siblings.count)
        #expect(topology.nodes.count == nodes.count)
        for row in rows {
            #expect(topology.cpu(row[0])?.coreID == row[1])
            #expect(topology.cpu(row[0])?.packageID == row[2])
            #expect(topology.node(of: row[0]) == row[3])
        }
    }
}

/// Netlink facts given by the test instead of the kernel.
struct FakeFacts: DeviceFactsSource {
    var facts: [String: DeviceFacts]

    func facts(interface: String, ifindex: Int) -> DeviceFacts {
        facts[interface] ?? DeviceFacts(interface: interface, ifindex: ifindex)
    }
}
