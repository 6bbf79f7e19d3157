/// The CPUs of the host as sysfs describes them: which exist, which run, which are kept away
/// from general work (isolated, nohz_full), how they group into cores, packages and NUMA nodes.
///
/// IRQ placement needs all of it: one queue per physical core before SMT siblings, the NIC's
/// own node first, never an isolated CPU.
public struct CPUTopology: Sendable, Equatable {
    public var online: CPUSet
    public var possible: CPUSet
    public var present: CPUSet
    /// `isolcpus=` CPUs: the scheduler leaves them alone, so IRQs should too.
    public var isolated: CPUSet
    /// `nohz_full=` CPUs: tick-less, meant for one busy thread, not for interrupts.
    public var nohzFull: CPUSet
    /// One entry per CPU whose topology sysfs exposes (online CPUs).
    public var cpus: [CPU]
    public var nodes: [NUMANode]

    public struct CPU: Sendable, Equatable {
        public var id: Int
        public var coreID: Int?
        public var packageID: Int?
        public var dieID: Int?
        /// The SMT siblings sharing this CPU's core, the CPU itself included.
        public var threadSiblings: CPUSet?

        public init(id: Int, coreID: Int? = nil, packageID: Int? = nil, dieID: Int? = nil, threadSiblings: CPUSet? = nil) {
            self.id = id
            self.coreID = coreID
            self.packageID = packageID
            self.dieID = dieID
            self.threadSiblings = threadSiblings
        }
    }

    public struct NUMANode: Sendable, Equatable {
        public var id: Int
        public var cpus: CPUSet

        public init(id: Int, cpus: CPUSet) {
            self.id = id
            self.cpus = cpus
        }
    }

    public init(
        online: CPUSet, possible: CPUSet? = nil, present: CPUSet? = nil, isolated: CPUSet = [], nohzFull: CPUSet = [],
        cpus: [CPU] = [], nodes: [NUMANode] = []
    ) {
        self.online = online
        self.possible = possible ?? online
        self.present = present ?? online
        self.isolated = isolated
        self.nohzFull = nohzFull
        self.cpus = cpus
        self.nodes = nodes
    }

    /// Offline CPUs: possible or present but not running.
    public var offline: CPUSet { present.union(possible).subtracting(online) }

    public func cpu(_ id: Int) -> CPU? { cpus.first { $0.id == id } }

    public func node(of cpu: Int) -> Int? { nodes.first { $0.cpus.contains(cpu) }?.id }

    public func cpus(ofNode node: Int) -> CPUSet? { nodes.first { $0.id == node }?.cpus }

    /// Physical cores as sets of their SMT siblings, ordered by lowest CPU id.
    public var physicalCores: [CPUSet] {
        var seen = Set<CPUSet>()
        var cores: [CPUSet] = []
        for cpu in cpus {
            let siblings = cpu.threadSiblings ?? [cpu.id]
            if seen.insert(siblings).inserted { cores.append(siblings) }
        }
        return cores.sorted { ($0.first ?? 0) < ($1.first ?? 0) }
    }
}

extension CPUTopology {
    /// How much to read: the summary (CPU sets and NUMA nodes: a dozen files) is enough to
    /// show NICs and IRQs; the per-CPU core and package ids cost three files per CPU.
    public enum Detail: Sendable { case summary, full }

    static let cpuDirectory = "sys/devices/system/cpu"
    static let nodeDirectory = "sys/devices/system/node"

    /// Reads the topology under `root`. Missing files leave their part unknown (empty); a
    /// tree with no sysfs at all falls back to `fallbackOnline` (the CPUs /proc/interrupts
    /// has columns for). Malformed files are reported in `issues`.
    public static func read(
        from root: HostRoot, detail: Detail = .summary, fallbackOnline: CPUSet = [], issues: inout [HostIssue]
    ) -> CPUTopology {
        func cpuList(_ path: String) -> CPUSet? {
            do {
                guard let text = try root.readIfPresent(path) else { return nil }
                // Kernels built with NO_HZ_FULL but booted without `nohz_full=` print "(null)".
                if text == "(null)" { return [] }
                return try CPUSet(parsingList: text)
            } catch let error as HostError {
                issues.append(HostIssue(error))
            } catch let error as CPUSetParseError {
                issues.append(HostIssue(path: root.absolute(path), message: error.description))
            } catch {
                issues.append(HostIssue(path: root.absolute(path), message: "\(error)"))
            }
            return nil
        }
        let online = cpuList("\(cpuDirectory)/online") ?? fallbackOnline
        var topology = CPUTopology(
            online: online,
            possible: cpuList("\(cpuDirectory)/possible"),
            present: cpuList("\(cpuDirectory)/present"),
            isolated: cpuList("\(cpuDirectory)/isolated") ?? [],
            nohzFull: cpuList("\(cpuDirectory)/nohz_full") ?? []
        )
        let nodeIDs = cpuList("\(nodeDirectory)/online") ?? cpuList("\(nodeDirectory)/possible") ?? []
        for node in nodeIDs {
            if let cpus = cpuList("\(nodeDirectory)/node\(node)/cpulist") {
                topology.nodes.append(NUMANode(id: node, cpus: cpus))
            }
        }
        guard detail == .full else { return topology }
        for cpu in online {
            let base = "\(cpuDirectory)/cpu\(cpu)/topology"
            func integer(_ name: String) -> Int? {
                guard let text = try? root.readIfPresent("\(base)/\(name)") else { return nil }
                return Int(text)
            }
            topology.cpus.append(
                CPU(
                    id: cpu,
                    coreID: integer("core_id"),
                    packageID: integer("physical_package_id"),
                    dieID: integer("die_id"),
                    threadSiblings: cpuList("\(base)/thread_siblings_list")
                ))
        }
        return topology
    }
}
