import HostKit

/// Writes a coherent host tree the way the kernel lays it out: CPUs and NUMA nodes, NICs as
/// PCI or virtio devices with msi_irqs and a netdev, queues with RPS/XPS, /proc/interrupts and
/// /proc/irq/N. Tests change one thing from healthy and check that exactly that is seen.
public struct SyntheticHost {
    public struct NIC {
        public var name: String
        public var driver: String
        public var pciAddress: String
        /// `virtioN` when the netdev sits on a virtio device on the PCI function.
        public var virtio: String?
        public var numaNode: Int
        public var queues: Int
        /// Transmit queues when they differ from `queues` (qlcnic without a tx vector per ring).
        public var txQueues: Int?
        /// More netdevs on the same PCI function, each with the same queues: mlx4_en's ports.
        public var extraPorts: [String] = []
        /// Queue vector names, in allocation order; empty = a single-vector NIC (see extraIRQs).
        public var vectorNames: [String]
        /// Extra vectors: (name) for link/misc/config.
        public var extraIRQs: [String]
        /// CPUs each queue vector's effective affinity lists; default: vector n on CPU n of the node.
        public var effective: ((Int) -> CPUSet)?
        public var affinity: ((Int) -> String)?
        public var rps: (Int) -> CPUSet = { _ in [] }
        public var rpsFlowCount = 0
        public var xps: (Int) -> CPUSet = { _ in [] }

        public init(
            name: String, driver: String, pciAddress: String, virtio: String? = nil, numaNode: Int, queues: Int, vectorNames: [String],
            extraIRQs: [String]
        ) {
            self.name = name
            self.driver = driver
            self.pciAddress = pciAddress
            self.virtio = virtio
            self.numaNode = numaNode
            self.queues = queues
            self.vectorNames = vectorNames
            self.extraIRQs = extraIRQs
        }
    }

    public init() {}

    public var cpus = 8
    public var nodes: [CPUSet] = [CPUSet(0..<8)]
    /// 2 for SMT: CPU n and n + cpus/2 share a core (the usual Intel enumeration).
    public var threadsPerCore = 1
    public var isolated: CPUSet = []
    public var rpsSockFlowEntries = 0
    /// False for a tree seen from another network namespace (a container): /proc/sys/net/core
    /// without `rps_sock_flow_entries`, which only the initial namespace has.
    public var initialNetworkNamespace = true
    /// IRQ names in /proc/interrupts of devices this tree has no sysfs for: another namespace's
    /// NICs (the host's, seen from a container), or vectors of a device since renamed.
    public var foreignIRQNames: [String] = []
    public var nics: [NIC] = []
    /// Other virtio devices on the machine: (virtio name, device id, IRQ names).
    public var otherVirtio: [(String, Int, [String])] = []
    public var virtualInterfaces: [(String, Int)] = [("lo", 1)]

    /// Writes the tree; returns IRQ numbers by name for assertions.
    @discardableResult
    public func write(to tree: FixtureTree) -> [String: Int] {
        let all = CPUSet(0..<cpus)
        tree.write("sys/devices/system/cpu/online", all.listString)
        tree.write("sys/devices/system/cpu/possible", all.listString)
        tree.write("sys/devices/system/cpu/present", all.listString)
        tree.write("sys/devices/system/cpu/isolated", isolated.listString)
        tree.write("sys/devices/system/node/online", CPUSet(0..<nodes.count).listString)
        for (id, cpus) in nodes.enumerated() {
            tree.write("sys/devices/system/node/node\(id)/cpulist", cpus.listString)
        }
        if initialNetworkNamespace {
            tree.write("proc/sys/net/core/rps_sock_flow_entries", String(rpsSockFlowEntries))
        } else {
            tree.makeDirectories("proc/sys/net/core")
        }
        let cores = cpus / max(threadsPerCore, 1)
        for cpu in 0..<cpus {
            let core = cpu % cores
            let siblings = CPUSet(stride(from: core, to: cpus, by: cores))
            let package = nodes.firstIndex { $0.contains(cpu) } ?? 0
            tree.write("sys/devices/system/cpu/cpu\(cpu)/topology/core_id", String(core))
            tree.write("sys/devices/system/cpu/cpu\(cpu)/topology/physical_package_id", String(package))
            tree.write("sys/devices/system/cpu/cpu\(cpu)/topology/thread_siblings_list", siblings.listString)
        }

        var irqs: [(Int, String, CPUSet, String)] = []  // irq, name, effective, affinity list
        var irqByName: [String: Int] = [:]
        var next = 40
        func allocate(_ name: String, effective: CPUSet, affinity: String) -> Int {
            let irq = next
            next += 1
            irqs.append((irq, name, effective, affinity))
            irqByName[name] = irq
            return irq
        }
        var ifindex = 2
        for (name, queues) in virtualInterfaces {
            let path = "sys/devices/virtual/net/\(name)"
            tree.link("sys/class/net/\(name)", to: "../../devices/virtual/net/\(name)")
            tree.write("\(path)/ifindex", name == "lo" ? "1" : String(ifindex))
            tree.write("\(path)/type", name == "lo" ? "772" : "1")
            tree.write("\(path)/operstate", "unknown")
            for queue in 0..<queues {
                tree.write("\(path)/queues/rx-\(queue)/rps_cpus", "00")
                tree.write("\(path)/queues/rx-\(queue)/rps_flow_cnt", "0")
                tree.write("\(path)/queues/tx-\(queue)/xps_cpus", "00")
            }
            if name != "lo" { ifindex += 1 }
        }
        for nic in nics {
            let pciPath = "sys/devices/pci0000:00/\(nic.pciAddress)"
            let devicePath = nic.virtio.map { "\(pciPath)/\($0)" } ?? pciPath
            let netPaths = ([nic.name] + nic.extraPorts).map { "\(devicePath)/net/\($0)" }
            for (port, netPath) in zip([nic.name] + nic.extraPorts, netPaths) {
                tree.link("sys/class/net/\(port)", to: "../../\(netPath.dropFirst(4))")
                tree.write("\(netPath)/ifindex", String(ifindex))
                ifindex += 1
                tree.write("\(netPath)/type", "1")
                tree.write("\(netPath)/operstate", "up")
                tree.write("\(netPath)/mtu", "1500")
                tree.link("\(netPath)/device", to: nic.virtio == nil ? "../../../\(nic.pciAddress)" : "../../../\(nic.virtio!)")
            }
            let bus = nic.virtio == nil ? "pci" : "virtio"
            tree.makeDirectories("sys/bus/\(bus)/drivers/\(nic.driver)")
            let depth = devicePath.split(separator: "/").count - 1
            let up = String(repeating: "../", count: depth)
            tree.link("\(devicePath)/driver", to: "\(up)bus/\(bus)/drivers/\(nic.driver)")
            tree.link("\(devicePath)/subsystem", to: "\(up)bus/\(bus)")
            tree.write("\(pciPath)/numa_node", String(nic.numaNode))
            let nodeCPUs = nodes[max(nic.numaNode, 0)]
            tree.write("\(pciPath)/local_cpulist", nodeCPUs.listString)
            if let virtio = nic.virtio {
                tree.write("sys/bus/virtio/devices/\(virtio)/device", "0x0001")
            }
            var vectors: [Int] = []
            for extra in nic.extraIRQs {
                vectors.append(allocate(extra, effective: [nodeCPUs.first!], affinity: all.listString))
            }
            let nodeList = Array(nodeCPUs)
            for (position, name) in nic.vectorNames.enumerated() {
                let effective = nic.effective?(position) ?? [nodeList[position % nodeList.count]]
                vectors.append(allocate(name, effective: effective, affinity: nic.affinity?(position) ?? effective.listString))
            }
            for vector in vectors { tree.write("\(pciPath)/msi_irqs/\(vector)", "msix") }
            for netPath in netPaths {
                for queue in 0..<nic.queues {
                    tree.write("\(netPath)/queues/rx-\(queue)/rps_cpus", nic.rps(queue).maskString(bitCount: cpus))
                    tree.write("\(netPath)/queues/rx-\(queue)/rps_flow_cnt", String(nic.rpsFlowCount))
                }
                for queue in 0..<(nic.txQueues ?? nic.queues) {
                    tree.write("\(netPath)/queues/tx-\(queue)/xps_cpus", nic.xps(queue).maskString(bitCount: cpus))
                    tree.write("\(netPath)/queues/tx-\(queue)/tx_maxrate", "0")
                }
            }
        }
        for name in foreignIRQNames { _ = allocate(name, effective: [0], affinity: all.listString) }
        for (virtio, id, names) in otherVirtio {
            tree.write("sys/bus/virtio/devices/\(virtio)/device", "0x" + String(id, radix: 16))
            for name in names { _ = allocate(name, effective: [0], affinity: all.listString) }
        }
        _ = allocate("xhci_hcd", effective: [0], affinity: all.listString)
        _ = allocate("hpet2", effective: [1], affinity: "1")

        var text = "     " + (0..<cpus).map { "CPU\($0)".padding(11) }.joined() + "\n"
        for (irq, name, effective, _) in irqs {
            let counts = (0..<cpus).map { cpu in String(effective.contains(cpu) ? 1000 + irq : 0).leftPadding(10) + " " }.joined()
            text += "\(String(irq).leftPadding(4)): \(counts) IR-PCI-MSI \(irq)-edge      \(name)\n"
        }
        text += " NMI: " + (0..<cpus).map { _ in "0".leftPadding(10) + " " }.joined() + "  Non-maskable interrupts\n"
        tree.write("proc/interrupts", text, newline: false)
        for (irq, _, effective, affinity) in irqs {
            tree.write("proc/irq/\(irq)/smp_affinity_list", affinity)
            tree.write("proc/irq/\(irq)/effective_affinity_list", effective.listString)
            tree.write("proc/irq/\(irq)/affinity_hint", "0")
            tree.write("proc/irq/\(irq)/node", "0")
        }
        return irqByName
    }

    /// A healthy two-node host: ixgbe eth0 on node 0 with 4 queues spread one per CPU, RPS off
    /// (multi-queue), an mlx5 eth1 on node 1, virtio-net eth2 with 4 queues, a vsock device.
    public static func healthy() -> SyntheticHost {
        var host = SyntheticHost()
        host.nodes = [CPUSet(0..<4), CPUSet(4..<8)]
        host.nics = [
            NIC(
                name: "eth0", driver: "ixgbe", pciAddress: "0000:3b:00.0", numaNode: 0, queues: 4,
                vectorNames: (0..<4).map { "eth0-TxRx-\($0)" }, extraIRQs: ["eth0"]),
            NIC(
                name: "eth1", driver: "mlx5_core", pciAddress: "0000:af:00.0", numaNode: 1, queues: 4,
                vectorNames: (0..<4).map { "mlx5_comp\($0)@pci:0000:af:00.0" }, extraIRQs: ["mlx5_async0@pci:0000:af:00.0"]),
            NIC(
                name: "eth2", driver: "virtio_net", pciAddress: "0000:00:03.0", virtio: "virtio2", numaNode: -1, queues: 2,
                vectorNames: ["virtio2-input.0", "virtio2-output.0", "virtio2-input.1", "virtio2-output.1"], extraIRQs: ["virtio2-config"]),
        ]
        host.otherVirtio = [("virtio3", 19, ["virtio3-rx", "virtio3-tx", "virtio3-event"]), ("virtio1", 2, ["virtio1-config", "virtio1-req.0"])]
        return host
    }
}

extension String {
    public func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    public func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
