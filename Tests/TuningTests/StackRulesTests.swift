import CMTuneTestSupport
import Foundation
import HostKit
import Testing
import Tuning

/// What else a CM host dies of: each rule fires on the evidence that shows it, names the
/// counter and the fix, and stays quiet on a healthy host.
@Suite("Stack rules")
struct StackRulesTests {
    static func diagnose(_ stack: StackEvidence, host: SyntheticHost = .healthy(), facts: (any DeviceFactsSource)? = nil) -> Diagnosis {
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, facts: facts)
        return Diagnosis(inventory: inventory, rates: DiagnosisTests.healthyRates(), sysctls: DiagnosisTests.healthySysctls, irqbalance: [], stack: stack)
    }

    static func sampled() -> StackEvidence {
        var stack = StackEvidence(window: "over 5 s", sampled: true)
        stack.listenOverflows = 0
        stack.listenDrops = 0
        stack.memoryPressures = 0
        stack.tcpMemoryPages = 300
        stack.tcpMemory = TCPMemoryLimits(low: 10_000, pressure: 20_000, high: 30_000)
        stack.orphans = 3
        stack.maxOrphans = 65_536
        stack.timeWait = 20
        stack.maxTimeWait = 65_536
        stack.conntrackCount = 100
        stack.conntrackMax = 262_144
        stack.conntrackDrops = 0
        return stack
    }

    @Test("a healthy stack adds nothing")
    func healthy() {
        #expect(Self.diagnose(Self.sampled()).findings.isEmpty)
    }

    @Test("NIC drops during the sample are critical and name the counters; a ring below its maximum adds its own fix")
    func nicDrops() throws {
        var stack = Self.sampled()
        stack.interfaceDrops["eth0"] = .init(missed: 1_200, fifo: 0, overruns: 3, driver: ["rx_no_buffer_count": 500], received: 1_000_000)
        let facts = FixedRings(rings: RingSizes(maxRx: 4096, maxTx: 4096, rx: 512, tx: 512))
        let diagnosis = Self.diagnose(stack, facts: facts)
        let drops = try #require(diagnosis.findings.first { $0.code == "nic-rx-drops" })
        #expect(drops.severity == .critical)
        #expect(drops.subject == "eth0")
        #expect(drops.evidence.contains("rx_missed_errors 1,200, rx_over_errors 3, rx_no_buffer_count 500"))
        let ring = try #require(diagnosis.findings.first { $0.code == "rx-ring-small" && $0.subject == "eth0" })
        #expect(ring.fix == "ethtool -G eth0 rx 4096")
        #expect(drops.fix?.contains("ethtool -G eth0 rx 4096") == true)
        // Since boot they may be old news: a warning.
        var old = stack
        old.sampled = false
        old.window = "since boot"
        #expect(Self.diagnose(old, facts: facts).findings.first { $0.code == "nic-rx-drops" }?.severity == .warning)
    }

    @Test(
        "listen overflows, a full conntrack table, TCP memory pressure, orphans and TIME_WAIT near their limits",
        arguments: [
            "listen-overflows", "conntrack-full", "tcp-memory-pressure", "tcp-orphans", "time-wait-overflow",
        ])
    func limits(code: String) throws {
        var stack = Self.sampled()
        switch code {
        case "listen-overflows":
            stack.listenOverflows = 4_000
            stack.listenDrops = 4_100
        case "conntrack-full":
            stack.conntrackCount = 260_000
            stack.conntrackDrops = 12
        case "tcp-memory-pressure":
            stack.tcpMemoryPages = 31_000
            stack.memoryPressures = 2
        case "tcp-orphans": stack.orphans = 70_000
        default: stack.timeWait = 65_536
        }
        let finding = try #require(Self.diagnose(stack).findings.first { $0.code == code })
        #expect(finding.severity == .critical, "\(finding)")
        #expect(finding.fix?.isEmpty == false)
        #expect(!Self.diagnose(Self.sampled()).findings.contains { $0.code == code })
    }

    @Test("a CM process whose open-files limit is below its connection target is named; a high limit is not")
    func cmNofile() throws {
        var stack = Self.sampled()
        stack.connectionManagers = [
            .init(pid: 4242, name: "cmtune", openFilesSoft: 20_000, openDescriptors: 19_500, connectionTarget: 100_000),
            .init(pid: 4343, name: "gocm", openFilesSoft: 2_000_000, openDescriptors: 10, connectionTarget: 1_000_000),
        ]
        let findings = Self.diagnose(stack).findings.filter { $0.code == "cm-nofile-low" }
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.subject == "pid 4242 (cmtune)")
        #expect(finding.severity == .critical)  // 19,500 of 20,000 open: accept() is about to fail
        #expect(finding.evidence.contains("may open 20,000 files but should hold 100,000 connections"))
        #expect(finding.fix?.hasPrefix("LimitNOFILE=1048576") == true)
    }

    @Test("evidence from two readings of real kernel files: counters are differences, gauges the second reading")
    func fromReadings() throws {
        func tree(overflows: Int, missed: Int) -> FixtureTree {
            let tree = FixtureTree()
            SyntheticHost.healthy().write(to: tree)
            tree.write("proc/net/netstat", "TcpExt: ListenOverflows ListenDrops TCPMemoryPressures\nTcpExt: \(overflows) \(overflows) 0\n", newline: false)
            tree.write("proc/net/sockstat", "sockets: used 23\nTCP: inuse 1 orphan 0 tw 17 alloc 1 mem 276\nUDP: inuse 0 mem 0\n", newline: false)
            tree.write("proc/sys/net/ipv4/tcp_mem", "287907\t383877\t575814")
            tree.write("proc/sys/net/ipv4/tcp_max_orphans", "65536")
            tree.write("proc/sys/net/ipv4/tcp_max_tw_buckets", "65536")
            for (name, value) in [("rx_missed_errors", missed), ("rx_fifo_errors", 0), ("rx_over_errors", 0), ("rx_dropped", 0), ("rx_packets", 100_000)] {
                tree.write("sys/devices/pci0000:00/0000:3b:00.0/net/eth0/statistics/\(name)", String(value))
            }
            return tree
        }
        let before = tree(overflows: 10, missed: 5)
        let after = tree(overflows: 25, missed: 9)
        let first = StackReading.read(from: before.root, interfaces: ["eth0"])
        let second = StackReading.read(from: after.root, interfaces: ["eth0"])
        withExtendedLifetime((before, after)) {}
        let evidence = StackEvidence(from: first, to: second, window: "over 5 s")
        #expect(evidence.sampled)
        #expect(evidence.listenOverflows == 15)
        #expect(evidence.interfaceDrops["eth0"]?.missed == 4)
        #expect(evidence.timeWait == 17)
        #expect(evidence.tcpMemory?.pressure == 383_877)
        let sinceBoot = StackEvidence(from: nil, to: second, window: "since boot")
        #expect(!sinceBoot.sampled)
        #expect(sinceBoot.listenOverflows == 25)
        #expect(sinceBoot.interfaceDrops["eth0"]?.missed == 9)
    }
}

/// Netlink facts with fixed ring sizes, for every interface.
struct FixedRings: DeviceFactsSource {
    let rings: RingSizes

    func facts(interface: String, ifindex: Int) -> DeviceFacts {
        DeviceFacts(interface: interface, ifindex: ifindex, rings: .value(rings))
    }
}
