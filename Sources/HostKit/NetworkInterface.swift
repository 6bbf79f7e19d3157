/// A network interface as sysfs shows it: the device behind it, its queues and their RPS/XPS.
public struct NetworkInterface: Sendable, Equatable {
    public var name: String
    public var ifindex: Int?
    /// ARPHRD type: 1 Ethernet, 772 loopback, 32 InfiniBand.
    public var type: Int?
    public var operState: String?
    public var mtu: Int?
    public var address: String?
    /// The hardware behind the interface; nil for virtual interfaces (veth, bridge, lo).
    public var device: DeviceInfo?
    public var rxQueues: [RxQueue]
    public var txQueues: [TxQueue]

    public init(name: String, device: DeviceInfo? = nil, rxQueues: [RxQueue] = [], txQueues: [TxQueue] = []) {
        self.name = name
        self.device = device
        self.rxQueues = rxQueues
        self.txQueues = txQueues
    }

    public var isLoopback: Bool { type == 772 || name == "lo" }

    /// The hardware device an interface sits on, and where it attaches to the machine.
    public struct DeviceInfo: Sendable, Equatable {
        /// The device directory's name: `0000:3b:00.0`, `virtio2`, `vif-0`.
        public var busID: String
        /// The bus: `pci`, `virtio`, `vmbus`, `usb`, `platform`.
        public var bus: String?
        public var driver: String?
        /// The PCI function the device is, or sits on (virtio-pci), if any.
        public var pciAddress: String?
        /// The NUMA node of the device; nil when the platform says -1 (no affinity) or unknown.
        public var numaNode: Int?
        /// `local_cpulist`: the CPUs near the device.
        public var localCPUs: CPUSet?
        /// IRQs the device allocated (MSI/MSI-X), from `msi_irqs`.
        public var msiIRQs: [Int]
        /// The legacy INTx line, used only when the device has no MSI vectors.
        public var legacyIRQ: Int?

        public init(
            busID: String, bus: String? = nil, driver: String? = nil, pciAddress: String? = nil, numaNode: Int? = nil,
            localCPUs: CPUSet? = nil, msiIRQs: [Int] = [], legacyIRQ: Int? = nil
        ) {
            self.busID = busID
            self.bus = bus
            self.driver = driver
            self.pciAddress = pciAddress
            self.numaNode = numaNode
            self.localCPUs = localCPUs
            self.msiIRQs = msiIRQs
            self.legacyIRQ = legacyIRQ
        }
    }

    public struct RxQueue: Sendable, Equatable {
        public var index: Int
        /// `rps_cpus`: CPUs that receive packet steering hands packets to; empty = RPS off.
        public var rpsCPUs: CPUSet?
        /// `rps_flow_cnt`: this queue's RFS flow table size; 0 = RFS off.
        public var rpsFlowCount: Int?

        public init(index: Int, rpsCPUs: CPUSet? = nil, rpsFlowCount: Int? = nil) {
            self.index = index
            self.rpsCPUs = rpsCPUs
            self.rpsFlowCount = rpsFlowCount
        }
    }

    public struct TxQueue: Sendable, Equatable {
        public var index: Int
        /// `xps_cpus`: CPUs whose transmits use this queue; nil when unset or single-queue.
        public var xpsCPUs: CPUSet?
        /// `xps_rxqs`: rx queues whose flows transmit on this queue (as queue indices).
        public var xpsRxQueues: CPUSet?
        /// `tx_maxrate` in Mbit/s; 0 = unlimited.
        public var maxRate: Int?

        public init(index: Int, xpsCPUs: CPUSet? = nil, xpsRxQueues: CPUSet? = nil, maxRate: Int? = nil) {
            self.index = index
            self.xpsCPUs = xpsCPUs
            self.xpsRxQueues = xpsRxQueues
            self.maxRate = maxRate
        }
    }
}

extension NetworkInterface {
    static let classDirectory = "sys/class/net"

    /// The names under /sys/class/net.
    public static func names(from root: HostRoot) throws(HostError) -> [String] {
        try root.listIfPresent(classDirectory)
    }

    /// How much of an interface to read: `identity` (device, bus, MSI vectors, queue indices)
    /// is what joining IRQs to devices needs; `full` adds each queue's RPS/RFS/XPS files,
    /// which on a host with many queues is most of the reading.
    /// `steering` reads RPS, RFS and XPS but not `xps_rxqs` and `tx_maxrate`, which only JSON
    /// shows (`xps_rxqs` is as wide as the queue count: megabytes on a NIC with thousands).
    public enum Detail: Sendable { case identity, steering, full }

    /// Reads one interface. Files that are absent stay nil; unreadable or malformed files are
    /// reported in `issues` and the rest is still read.
    public static func read(named name: String, from root: HostRoot, detail: Detail = .full, issues: inout [HostIssue]) -> NetworkInterface {
        let reader = SysfsReader(root: root)
        let classPath = "\(classDirectory)/\(name)"
        // /sys/class/net/eth0 -> ../../devices/pci0000:00/0000:00:03.0/virtio2/net/eth0
        let path = root.readLinkIfPresent(classPath).map { SysfsPath.resolve($0, relativeTo: classDirectory) } ?? classPath
        var interface = NetworkInterface(name: name)
        interface.ifindex = reader.integer("\(path)/ifindex", issues: &issues)
        interface.type = reader.integer("\(path)/type", issues: &issues)
        interface.operState = reader.text("\(path)/operstate", issues: &issues)
        interface.mtu = reader.integer("\(path)/mtu", issues: &issues)
        interface.address = reader.text("\(path)/address", issues: &issues)
        if let target = root.readLinkIfPresent("\(path)/device") {
            interface.device = readDevice(at: SysfsPath.resolve(target, relativeTo: path), reader: reader, issues: &issues)
        }
        // Ordered by index below.
        let queueNames = (try? root.listIfPresent("\(path)/queues", sorted: false)) ?? []
        if detail == .identity {
            for queue in queueNames {
                if queue.hasPrefix("rx-"), let index = Int(queue.dropFirst(3)) { interface.rxQueues.append(RxQueue(index: index)) }
                if queue.hasPrefix("tx-"), let index = Int(queue.dropFirst(3)) { interface.txQueues.append(TxQueue(index: index)) }
            }
        } else {
            enum Read: Sendable {
                case rx(RxQueue)
                case tx(TxQueue)
                case other
            }
            let read = ParallelMap.map(queueNames) { queue -> (Read, [HostIssue]) in
                var found: [HostIssue] = []
                let queuePath = "\(path)/queues/\(queue)"
                if queue.hasPrefix("rx-"), let index = Int(queue.dropFirst(3)) {
                    let rx = RxQueue(
                        index: index, rpsCPUs: reader.mask("\(queuePath)/rps_cpus", issues: &found),
                        rpsFlowCount: reader.integer("\(queuePath)/rps_flow_cnt", issues: &found))
                    return (.rx(rx), found)
                }
                if queue.hasPrefix("tx-"), let index = Int(queue.dropFirst(3)) {
                    let tx = TxQueue(
                        index: index, xpsCPUs: reader.mask("\(queuePath)/xps_cpus", issues: &found),
                        xpsRxQueues: detail == .full ? reader.mask("\(queuePath)/xps_rxqs", issues: &found) : nil,
                        maxRate: detail == .full ? reader.integer("\(queuePath)/tx_maxrate", issues: &found) : nil)
                    return (.tx(tx), found)
                }
                return (.other, found)
            }
            for (queue, found) in read {
                issues += found
                switch queue {
                case .rx(let rx): interface.rxQueues.append(rx)
                case .tx(let tx): interface.txQueues.append(tx)
                case .other: break
                }
            }
        }
        interface.rxQueues.sort { $0.index < $1.index }
        interface.txQueues.sort { $0.index < $1.index }
        return interface
    }

    /// The device directory and, for virtio and other devices that sit on a PCI function,
    /// that function's directory: NUMA node, local CPUs and MSI vectors live on the PCI side.
    private static func readDevice(at path: String, reader: SysfsReader, issues: inout [HostIssue]) -> DeviceInfo {
        let root = reader.root
        var device = DeviceInfo(busID: SysfsPath.lastComponent(path))
        device.driver = root.readLinkIfPresent("\(path)/driver").map(SysfsPath.lastComponent)
        device.bus = root.readLinkIfPresent("\(path)/subsystem").map(SysfsPath.lastComponent)
        let pciPath = SysfsPath.ancestors(of: path).first { PCIAddress.isValid(SysfsPath.lastComponent($0)) }
        device.pciAddress = pciPath.map(SysfsPath.lastComponent)
        let candidates = [path] + (pciPath.map { $0 == path ? [] : [$0] } ?? [])
        for candidate in candidates where device.numaNode == nil {
            if let node = reader.integer("\(candidate)/numa_node", issues: &issues), node >= 0 { device.numaNode = node }
        }
        for candidate in candidates where device.localCPUs == nil {
            device.localCPUs = reader.list("\(candidate)/local_cpulist", issues: &issues)
        }
        for candidate in candidates where device.msiIRQs.isEmpty {
            device.msiIRQs = ((try? root.listIfPresent("\(candidate)/msi_irqs", sorted: false)) ?? []).compactMap { Int($0) }.sorted()
        }
        for candidate in candidates where device.legacyIRQ == nil {
            if let irq = reader.integer("\(candidate)/irq", issues: &issues), irq > 0 { device.legacyIRQ = irq }
        }
        return device
    }
}

/// Typed reads of sysfs attributes, reporting what is malformed and staying quiet about what
/// is absent (an attribute the driver or kernel does not have is not a problem).
struct SysfsReader {
    let root: HostRoot

    func text(_ path: String, issues: inout [HostIssue]) -> String? {
        do {
            return try root.readIfPresent(path)
        } catch  where Self.isUnavailable(error) {
            return nil
        } catch {
            issues.append(HostIssue(error))
            return nil
        }
    }

    func integer(_ path: String, issues: inout [HostIssue]) -> Int? {
        guard let value = text(path, issues: &issues) else { return nil }
        guard let number = Int(value) else {
            let digits = value.hasPrefix("-") ? value.dropFirst() : value[...]
            let problem =
                CounterField.decimal(digits.utf8) != .notANumber
                ? "number \(InputQuote.quoted(value)) is too large" : "expected a number, found \(InputQuote.quoted(value))"
            issues.append(HostIssue(path: root.absolute(path), message: problem))
            return nil
        }
        return number
    }

    /// An unsigned counter (`statistics/rx_packets`): a value beyond 64 bits is reported, never 0.
    func counter(_ path: String, issues: inout [HostIssue]) -> UInt64? {
        guard let value = text(path, issues: &issues) else { return nil }
        switch CounterField.decimal(value.utf8) {
        case .value(let count): return count
        case .tooLarge: issues.append(HostIssue(path: root.absolute(path), message: CounterField.tooLargeMessage(value.utf8)))
        case .notANumber: issues.append(HostIssue(path: root.absolute(path), message: "expected a count, found \(InputQuote.quoted(value))"))
        }
        return nil
    }

    func mask(_ path: String, issues: inout [HostIssue]) -> CPUSet? {
        guard let value = text(path, issues: &issues) else { return nil }
        do {
            return try CPUSet(parsingMask: value)
        } catch {
            issues.append(HostIssue(path: root.absolute(path), message: error.description))
            return nil
        }
    }

    func list(_ path: String, issues: inout [HostIssue]) -> CPUSet? {
        guard let value = text(path, issues: &issues) else { return nil }
        do {
            return try CPUSet(parsingList: value)
        } catch {
            issues.append(HostIssue(path: root.absolute(path), message: error.description))
            return nil
        }
    }

    /// Errors that mean "this attribute has no value here": `xps_cpus` of a single-queue
    /// device reads as ENOENT, some drivers answer EINVAL or EOPNOTSUPP for unset attributes.
    static func isUnavailable(_ error: HostError) -> Bool {
        error.isMissing || (error.kind == .system && (error.errno == .invalidArgument || error.errno == .notSupported))
    }
}

/// Lexical path arithmetic for sysfs symlinks, which are relative and never loop.
enum SysfsPath {
    /// Resolves a link target found in directory `base` (both relative to the root).
    static func resolve(_ target: String, relativeTo base: String) -> String {
        var components = target.hasPrefix("/") ? [] : base.split(separator: "/").map(String.init)
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(String(part))
            }
        }
        return components.joined(separator: "/")
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The path itself, then each parent, up to the top.
    static func ancestors(of path: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while !components.isEmpty {
            result.append(components.joined(separator: "/"))
            components.removeLast()
        }
        return result
    }
}
