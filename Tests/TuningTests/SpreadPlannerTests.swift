import CMTuneTestSupport
import HostKit
import Testing
import Tuning

/// The planner on the real hosts' IRQ layouts and on generated topologies, held to the rules:
/// no queue IRQ on an excluded CPU, no two queues on one core while a core is free, masks never
/// wider than the machine, NUMA-local first, several NICs sharing fairly.
@Suite("Spread planner")
struct SpreadPlannerTests {
    /// The invariants every plan must keep.
    static func checkInvariants(_ plan: SpreadPlan, planner: SpreadPlanner, excluded: CPUSet, sourceLocation: SourceLocation = #_sourceLocation) {
        let usable = planner.usableCPUs
        let possible = planner.topology.possible.union(planner.topology.online)
        var coreLoad: [CPUSet: Int] = [:]
        for placement in plan.placements {
            #expect(placement.after.isSubset(of: usable), "\(placement.queue) on \(placement.after)", sourceLocation: sourceLocation)
            #expect(placement.after.isDisjoint(with: excluded), sourceLocation: sourceLocation)
            // tx-only vectors follow their rx vector by design; balance is about receive vectors.
            if placement.queue.hasPrefix("tx-") { continue }
            for cpu in placement.after {
                coreLoad[planner.topology.cpu(cpu)?.threadSiblings ?? [cpu], default: 0] += 1
            }
        }
        let cores = Set(usable.map { planner.topology.cpu($0)?.threadSiblings ?? [$0] })
        if coreLoad.values.contains(where: { $0 >= 2 }) {
            #expect(cores.allSatisfy { coreLoad[$0, default: 0] >= 1 }, "a core doubled up while another is free: \(coreLoad)", sourceLocation: sourceLocation)
        }
        let loads = cores.map { coreLoad[$0, default: 0] }
        if let most = loads.max(), let least = loads.min(), plan.placements.filter({ !$0.queue.hasPrefix("tx-") }).count >= cores.count {
            #expect(most - least <= 1, "uneven: \(loads)", sourceLocation: sourceLocation)
        }
        for write in plan.writes {
            switch write.kind {
            case .rps, .xps:
                let mask = try? CPUSet(parsingMask: write.new)
                #expect(mask?.isSubset(of: possible) == true, "\(write.path) = \(write.new)", sourceLocation: sourceLocation)
                #expect(write.new.split(separator: ",").count == (planner.topology.possible.count + 31) / 32, sourceLocation: sourceLocation)
            case .irqAffinity:
                #expect((try? CPUSet(parsingList: write.new))?.isSubset(of: usable) == true, sourceLocation: sourceLocation)
            default: break
            }
        }
    }

    /// The topology lscpu describes: nodes from `NUMA nodeN CPU(s)`, cores from lscpu's
    /// parsable output where present, else the usual enumeration for the threads per core.
    static func topology(host: String) throws -> CPUTopology {
        var nodes: [CPUTopology.NUMANode] = []
        var threads = 1
        var online = CPUSet()
        var cores: [Int: CPUSet] = [:]
        if let info = RealHosts.file(host, "lscpu_info") {
            for line in info.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters() }
                guard parts.count == 2 else { continue }
                if parts[0].hasPrefix("NUMA node"), parts[0].hasSuffix("CPU(s)"), let id = Int(parts[0].dropFirst(9).prefix { $0.isNumber }) {
                    nodes.append(.init(id: id, cpus: try CPUSet(parsingList: parts[1])))
                }
                if parts[0] == "Thread(s) per core" { threads = Int(parts[1]) ?? 1 }
                if parts[0] == "On-line CPU(s) list" { online = try CPUSet(parsingList: parts[1]) }
            }
        }
        if let output = RealHosts.file(host, "lscpu_output") {
            var byNode: [Int: CPUSet] = [:]
            for line in output.split(separator: "\n") where !line.hasPrefix("#") {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).prefix(4).compactMap { Int($0) }
                guard fields.count == 4 else { continue }
                online.insert(fields[0])
                cores[fields[2] * 1000 + fields[1], default: []].insert(fields[0])
                byNode[fields[3], default: []].insert(fields[0])
            }
            nodes = byNode.keys.sorted().map { .init(id: $0, cpus: byNode[$0]!) }
        }
        if online.isEmpty {
            let header = RealHosts.file(host, "interrupts")!.split(separator: "\n")[0].split(separator: " ")
            online = CPUSet(0..<header.count)
        }
        let count = online.count
        let cpus: [CPUTopology.CPU] = online.map { cpu in
            let siblings = cores.values.first { $0.contains(cpu) } ?? (threads == 2 ? [cpu % (count / 2), cpu % (count / 2) + count / 2] : [cpu])
            return CPUTopology.CPU(id: cpu, threadSiblings: siblings)
        }
        return CPUTopology(online: online, cpus: cpus, nodes: nodes)
    }

    @Test("every real host: placement keeps the rules, with and without CPU 0", arguments: RealHosts.names)
    func realHosts(host: String) throws {
        let tree = RealHosts.interruptsOnlyTree(host)
        let inventory = HostInventory.read(from: tree.root)
        let topology = try Self.topology(host: host)
        for excluded in [CPUSet(), [0]] where topology.online.count > excluded.count {
            let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(excludedCPUs: excluded))
            let plan = planner.plan()
            #expect(plan.refusals.isEmpty, "\(plan.refusals)")
            let vectors = inventory.interfaces.flatMap { report in Set(report.queues.compactMap(\.irq)) }
            #expect(plan.placements.count == vectors.count)
            Self.checkInvariants(plan, planner: planner, excluded: excluded)
        }
    }

    static func generated(
        cpus: Int = 64, nodes: Int = 2, threadsPerCore: Int = 2, nicNode: Int = 1, queues: Int = 16, isolated: CPUSet = [], extraNIC: Bool = false
    ) -> (FixtureTree, HostInventory, CPUTopology) {
        var host = SyntheticHost()
        host.cpus = cpus
        let perNode = cpus / nodes
        let cores = cpus / threadsPerCore
        // Node of a CPU follows its core, so siblings share a node (as on real machines).
        host.nodes = (0..<nodes).map { node in CPUSet((0..<cpus).filter { ($0 % cores) / (cores / nodes) == node }) }
        _ = perNode
        host.threadsPerCore = threadsPerCore
        host.isolated = isolated
        host.nics = [
            .init(
                name: "eth0", driver: "ixgbe", pciAddress: "0000:3b:00.0", numaNode: nicNode, queues: queues,
                vectorNames: (0..<queues).map { "eth0-TxRx-\($0)" }, extraIRQs: ["eth0"])
        ]
        if extraNIC {
            host.nics.append(
                .init(
                    name: "eth1", driver: "mlx5_core", pciAddress: "0000:af:00.0", numaNode: nicNode, queues: queues,
                    vectorNames: (0..<queues).map { "mlx5_comp\($0)@pci:0000:af:00.0" }, extraIRQs: []))
        }
        for index in host.nics.indices { host.nics[index].effective = { _ in [0] } }
        let tree = FixtureTree()
        host.write(to: tree)
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, detail: .full, issues: &issues)
        return (tree, HostInventory.read(from: tree.root), topology)
    }

    @Test("2 sockets x 16 cores x SMT, NIC on node 1: 16 queues on node 1's 16 cores, no sibling, none on node 0")
    func numaLocalCoresFirst() throws {
        let (_, inventory, topology) = Self.generated()
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy())
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: [])
        let node1 = try #require(topology.cpus(ofNode: 1))
        let used = plan.placements.reduce(CPUSet()) { $0.union($1.after) }
        #expect(used.count == 16)
        #expect(used.isSubset(of: node1))
        #expect(Set(used.map { topology.cpu($0)!.threadSiblings! }).count == 16)
    }

    @Test("with more queues than local cores, remote cores come before local SMT siblings")
    func remoteCoresBeforeSiblings() throws {
        let (_, inventory, topology) = Self.generated(queues: 24)
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy())
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: [])
        let used = plan.placements.flatMap { Array($0.after) }
        #expect(Set(used.map { topology.cpu($0)!.threadSiblings! }).count == 24)
        #expect(plan.writes.contains { $0.reason.contains("outside its NUMA node") })
    }

    @Test("isolated and excluded CPUs are never used")
    func isolatedAndExcluded() {
        let (_, inventory, topology) = Self.generated(isolated: CPUSet(16..<24))
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(excludedCPUs: [8, 9]))
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: CPUSet([8, 9]).union(CPUSet(16..<24)))
    }

    @Test("64 queues on 8 CPUs: eight each, evenly")
    func manyQueuesFewCPUs() {
        let (_, inventory, topology) = Self.generated(cpus: 8, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 64)
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy())
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: [])
        var perCPU: [Int: Int] = [:]
        for placement in plan.placements { perCPU[placement.after.first!, default: 0] += 1 }
        #expect(perCPU.count == 8 && perCPU.values.allSatisfy { $0 == 8 })
        #expect(
            !plan.writes.contains {
                if case .rps = $0.kind { return $0.new != "00" && $0.new != "0" && !($0.new.allSatisfy { $0 == "0" || $0 == "," }) } else { return false }
            })
    }

    @Test("1 queue on 32 CPUs: the IRQ on one local core, RPS over the node's other CPUs, RFS sized per the guide")
    func singleQueue() throws {
        let (_, inventory, topology) = Self.generated(cpus: 32, nodes: 2, threadsPerCore: 2, nicNode: 0, queues: 1)
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy())
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: [])
        let irqCPU = try #require(plan.placements.first?.after.first)
        let node0 = try #require(topology.cpus(ofNode: 0))
        #expect(node0.contains(irqCPU))
        let rps = try #require(plan.writes.first { if case .rps(_, 0) = $0.kind { return true } else { return false } })
        #expect(try CPUSet(parsingMask: rps.new) == node0.subtracting([irqCPU]))
        let flow = try #require(plan.writes.first { if case .rfsFlowCount = $0.kind { return true } else { return false } })
        #expect(flow.new == "32768")
        let global = try #require(plan.writes.first { $0.kind == .sockFlowEntries })
        #expect(global.old == "0" && global.new == "32768")
    }

    @Test("two NICs on the same node share its cores fairly")
    func twoNICsShare() {
        let (_, inventory, topology) = Self.generated(cpus: 16, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 8, extraNIC: true)
        let planner = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy())
        let plan = planner.plan()
        Self.checkInvariants(plan, planner: planner, excluded: [])
        let eth0 = CPUSet(plan.placements.filter { $0.interface == "eth0" }.flatMap { Array($0.after) })
        let eth1 = CPUSet(plan.placements.filter { $0.interface == "eth1" }.flatMap { Array($0.after) })
        #expect(eth0.count == 8 && eth1.count == 8)
        #expect(eth0.isDisjoint(with: eth1))
    }

    @Test("XPS maps tx-N to the CPU of rx-N's IRQ; --xps off clears it")
    func xps() throws {
        let (_, inventory, topology) = Self.generated(cpus: 8, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 4)
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy()).plan()
        for placement in plan.placements {
            let index = Int(placement.queue.split(separator: "-").last!)!
            let xps = try #require(plan.writes.first { $0.kind == .xps(interface: "eth0", queue: index) })
            #expect(try CPUSet(parsingMask: xps.new) == placement.after)
        }
        let off = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(xps: .off)).plan()
        #expect(!off.writes.contains { if case .xps = $0.kind { return true } else { return false } })  // already 0: no change
    }

    @Test("an offline or unknown CPU list, or no CPU left, is refused before anything")
    func refusals() {
        let (_, inventory, topology) = Self.generated(cpus: 8, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 4)
        let offline = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(cpus: [2, 3, 40])).plan()
        #expect(offline.refusals == ["--cpus 2-3,40: CPUs 40 are offline or do not exist (online: 0-7)"])
        #expect(offline.writes.isEmpty)
        let none = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(cpus: [1], excludedCPUs: [1])).plan()
        #expect(none.refusals.first?.hasPrefix("no CPU is left for network work") == true)
    }

    @Test("managed IRQs are skipped and shown, not planned")
    func managed() throws {
        let (tree, _, topology) = Self.generated(cpus: 8, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 2)
        var inventory = HostInventory.read(from: tree.root)
        let irq = try #require(inventory.interfaces[0].queues.first?.irq)
        inventory.interfaces[0].queues[0].settings?.managed = true
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy()).plan()
        #expect(plan.skipped.contains { $0.subject.hasPrefix("IRQ \(irq)") && $0.reason.contains("kernel-managed") })
        #expect(!plan.placements.contains { $0.irq == irq })
    }

    @Test("channels: max raises to what the NIC and the CPUs allow; a count above the maximum is refused")
    func channels() {
        let (tree, _, topology) = Self.generated(cpus: 8, nodes: 1, threadsPerCore: 1, nicNode: 0, queues: 2)
        let facts = FixedFacts(channels: ChannelCounts(maxCombined: 63, combined: 2))
        let inventory = HostInventory.read(from: tree.root, facts: facts)
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy()).plan()
        #expect(plan.channelChanges.map(\.combined) == [8])
        let keep = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(channels: .keep)).plan()
        #expect(keep.channelChanges.isEmpty)
        let tooMany = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(channels: .count(64))).plan()
        #expect(tooMany.refusals == ["--channels 64: eth0 supports at most 63 combined channels"])
    }
}

/// The same netlink facts for every interface.
struct FixedFacts: DeviceFactsSource {
    var channels: ChannelCounts

    func facts(interface: String, ifindex: Int) -> DeviceFacts {
        DeviceFacts(interface: interface, ifindex: ifindex, channels: .value(channels))
    }
}

extension Substring {
    func trimmingCharacters() -> String { split(separator: " ").joined(separator: " ") }
}
