import CMTuneTestSupport
import HostKit
import Testing

/// Each static check fires on a host built to trigger it and stays quiet on a healthy one.
@Suite("Observations")
struct ObservationTests {
    static func codes(_ host: SyntheticHost, _ name: String, facts: FakeFacts? = nil) -> [String] {
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named([name]), facts: facts)
        return inventory.interfaces.first?.observations.map(\.code) ?? []
    }

    @Test("a healthy host has nothing to say", arguments: ["eth0", "eth1", "eth2"])
    func healthy(name: String) {
        #expect(Self.codes(.healthy(), name) == [])
    }

    @Test("all receive IRQs effectively on one CPU is critical")
    func oneCPU() throws {
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [3] }
        host.nics[0].affinity = { _ in "0-3" }
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        let observation = try #require(inventory.interfaces[0].observations.first { $0.code == "irqs-on-one-cpu" })
        #expect(observation.severity == .critical)
        #expect(observation.evidence.contains("all 4 receive queue IRQs fire on CPU 3"))
        let queueIRQs = inventory.interfaces[0].queues.compactMap(\.irq)
        #expect(observation.fix == "cmtune spread eth0")
        #expect(observation.manualFix == queueIRQs.enumerated().map { "echo \($0) > /proc/irq/\($1)/smp_affinity_list" }.joined(separator: "; "))
        #expect(inventory.interfaces[0].observations.contains { $0.code == "wide-mask-one-cpu" })
    }

    @Test("a single receive queue without RPS")
    func singleQueue() {
        var host = SyntheticHost.healthy()
        host.nics[0].queues = 1
        host.nics[0].vectorNames = ["eth0-TxRx-0"]
        #expect(Self.codes(host, "eth0").contains("single-queue-no-rps"))
        let tree = FixtureTree()
        host.write(to: tree)
        let observation = HostInventory.read(from: tree.root, selection: .named(["eth0"])).interfaces[0].observations.first { $0.code == "single-queue-no-rps" }
        #expect(observation?.fix == "cmtune spread eth0 --rps on")
        #expect(observation?.manualFix == "echo 0f > /sys/class/net/eth0/queues/rx-0/rps_cpus")
        host.nics[0].rps = { _ in CPUSet(1..<4) }
        #expect(!Self.codes(host, "eth0").contains("single-queue-no-rps"))
    }

    @Test("queue IRQs on a remote NUMA node")
    func remoteNUMA() {
        var host = SyntheticHost.healthy()
        host.nics[1].effective = { [$0] }  // node 0 CPUs, NIC on node 1
        #expect(Self.codes(host, "eth1") == ["remote-numa-irq"])
    }

    @Test("queue IRQs on isolated CPUs")
    func isolated() {
        var host = SyntheticHost.healthy()
        host.isolated = [2, 3]
        #expect(Self.codes(host, "eth0") == ["irq-on-isolated-cpu"])
    }

    @Test("RFS half configured, either way round")
    func rfs() {
        var host = SyntheticHost.healthy()
        host.nics[0].rpsFlowCount = 2048
        #expect(Self.codes(host, "eth0") == ["rfs-inconsistent"])
        host.nics[0].rpsFlowCount = 0
        host.rpsSockFlowEntries = 32768
        #expect(Self.codes(host, "eth0") == ["rfs-inconsistent"])
        host.nics[0].rpsFlowCount = 4096
        #expect(Self.codes(host, "eth0") == [])
    }

    @Test("masks naming CPUs the host does not have")
    func beyondCPUs() {
        var host = SyntheticHost.healthy()
        host.nics[0].affinity = { _ in "0-63" }
        #expect(Self.codes(host, "eth0").contains("mask-beyond-cpus"))
    }

    @Test("channels below what the NIC and CPUs allow, and RSS over fewer queues than exist")
    func channelsAndRSS() {
        let facts = FakeFacts(facts: [
            "eth0": DeviceFacts(
                interface: "eth0", ifindex: 3, channels: .value(ChannelCounts(maxCombined: 63, combined: 4)),
                rss: .value(RSSConfiguration(hashFunctions: ["toeplitz"], indirectionTable: Array(repeating: [0, 1], count: 64).flatMap { $0 }, hashKey: [])))
        ])
        let codes = Self.codes(.healthy(), "eth0", facts: facts)
        #expect(codes.contains("fewer-channels-than-supported"))
        #expect(codes.contains("rss-uneven"))
        let enough = FakeFacts(facts: ["eth0": DeviceFacts(interface: "eth0", ifindex: 3, channels: .value(ChannelCounts(maxCombined: 63, combined: 8)))])
        #expect(!Self.codes(.healthy(), "eth0", facts: enough).contains("fewer-channels-than-supported"))
    }
}
