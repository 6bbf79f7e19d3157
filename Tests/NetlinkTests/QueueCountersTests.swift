import CMTuneTestSupport
import Foundation
import HostKit
import Testing

@testable import Netlink

/// `ethtool -S` through the ioctl, and `LiveQueueCounters`, against this machine's NIC and
/// loopback (read-only; no traffic is sent anywhere), held against what `ethtool -S` and sysfs say.
@Suite(.timeLimit(.minutes(3))) struct QueueCountersHostTests {
    static var interface: String { HostNICTests.interface }

    static func sysfsCounter(_ interface: String, _ name: String) throws -> UInt64 {
        let text = try String(contentsOfFile: "/sys/class/net/\(interface)/statistics/\(name)", encoding: .utf8)
        return try #require(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    static func ifindex(of interface: String) throws -> Int {
        let text = try String(contentsOfFile: "/sys/class/net/\(interface)/ifindex", encoding: .utf8)
        return try #require(Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// One past the largest ifindex of this namespace: no device has it.
    static func unusedIfindex() throws -> Int {
        let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")
        return try names.map { try ifindex(of: $0) }.max()! + 1
    }

    static func total(_ counters: [Int: UInt64]) -> UInt64 { counters.values.reduce(0, +) }

    @Test func theIoctlReadsTheSameStatisticsAsTheEthtoolCommand() throws {
        _ = try HostNICTests.ifindex()
        let client = try EthtoolIoctlClient()
        let first = try HostNICTests.cancelIfNotSupported("\(Self.interface)'s driver keeps no statistics") {
            () throws(NetlinkError) in try client.statistics(interface: Self.interface)
        }
        let printed = EthtoolOutput.statistics(try runChecked(["ethtool", "-S", Self.interface]))
        let second = try client.statistics(interface: Self.interface)
        #expect(first.map(\.name) == printed.map(\.name))
        #expect(first.count == (try client.statisticsCount(interface: Self.interface)))
        // A counter that did not move across the ethtool run must read what ethtool printed.
        for ((before, after), shown) in zip(zip(first, second), printed) where before.value == after.value {
            #expect(shown.value == before.value, "\(before.name)")
        }
    }

    @Test func loopbackKeepsNoStatisticsSoItIsNotSupported() throws {
        let client = try EthtoolIoctlClient()
        let error = try #require(throws: NetlinkError.self) { try client.statistics(interface: "lo") }
        #expect(error.isNotSupported)
        #expect(error.operation == "ethtool ETHTOOL_GSSET_INFO lo")
        #expect(try runCommand(["ethtool", "-S", "lo"]).status != 0, "ethtool agrees: no stats available")
        let answer = LiveQueueCounters().queueCounters(interface: "lo", ifindex: try Self.ifindex(of: "lo"))
        #expect(answer == .notSupported)
    }

    @Test func anUnknownInterfaceFailsWithENODEVNamingTheCall() throws {
        let missing = try Self.unusedIfindex()
        let answer = LiveQueueCounters().queueCounters(interface: "cmtnl-absent", ifindex: missing)
        guard case .failed(let failure) = answer else {
            Issue.record("expected a failure for ifindex \(missing), got \(answer)")
            return
        }
        #expect(failure.errno == ENODEV)
        // QSTATS_GET answers first; a kernel without it leaves the ethtool ioctl to fail.
        #expect(["netdev QSTATS_GET cmtnl-absent", "ethtool ETHTOOL_GSSET_INFO cmtnl-absent"].contains(failure.call))
        #expect(failure.message.hasPrefix("no such interface"))

        let client = try EthtoolIoctlClient()
        let error = try #require(throws: NetlinkError.self) { try client.statistics(interface: "cmtnl-absent") }
        #expect(error.errno == ENODEV)
        #expect(error.operation == "ethtool ETHTOOL_GSSET_INFO cmtnl-absent")
        #expect(!error.isNotSupported)
        #expect(throws: NetlinkError.self) { try client.interfaceName(ifindex: missing) }
    }

    @Test func aMissingNamespaceFailsNamingTheCallAndTheStep() throws {
        let name = "cmtnl-absent-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let answer = LiveQueueCounters(networkNamespace: name).queueCounters(interface: "eth0", ifindex: 2)
        guard case .failed(let failure) = answer else {
            Issue.record("expected a failure, got \(answer)")
            return
        }
        #expect(failure.errno == ENOENT)
        #expect(failure.call == "netdev QSTATS_GET eth0")
        #expect(failure.message.hasPrefix("enter network namespace \(name)"))
    }

    @Test func aNameTheKernelWouldTruncateIsRefusedBeforeTheIoctl() throws {
        let client = try EthtoolIoctlClient()
        for name in ["", "sixteen-chars-xx", "eth0\u{0}x"] {
            let error = try #require(throws: NetlinkError.self) { try client.statistics(interface: name) }
            #expect(error.errno == ENODEV, "\(name.debugDescription)")
        }
    }

    @Test func theIoctlSocketNamesInterfacesByIndex() throws {
        let ifindex = try HostNICTests.ifindex()
        #expect(try EthtoolIoctlClient().interfaceName(ifindex: ifindex) == Self.interface)
    }

    @Test func theNICsCountersMatchTheSourceThatAnswered() throws {
        let ifindex = try HostNICTests.ifindex()
        let source = LiveQueueCounters()
        let rxBefore = try Self.sysfsCounter(Self.interface, "rx_packets")
        let txBefore = try Self.sysfsCounter(Self.interface, "tx_packets")
        let printedBefore = EthtoolOutput.statistics(try runChecked(["ethtool", "-S", Self.interface]))
        let answer = source.queueCounters(interface: Self.interface, ifindex: ifindex)
        let printedAfter = EthtoolOutput.statistics(try runChecked(["ethtool", "-S", Self.interface]))
        let rxAfter = try Self.sysfsCounter(Self.interface, "rx_packets")
        let txAfter = try Self.sysfsCounter(Self.interface, "tx_packets")
        let counters: QueuePacketCounters
        switch answer {
        case .value(let value): counters = value
        case .notSupported:
            try Test.cancel("\(Self.interface)'s driver has neither QSTATS_GET nor known ethtool queue names")
        case .failed(let failure):
            Issue.record("\(failure)")
            return
        }
        let sysfsQueues = try HostNICTests.sysfsQueueCounts()
        switch counters.source {
        case .netdevQueueStats:
            // Every active queue, and the device's own totals (sysfs) bracket their sum. The
            // totals also count queues deactivated since boot, so they can only be larger.
            #expect(counters.rx.keys.sorted() == Array(0..<sysfsQueues.rx))
            #expect(counters.tx.keys.sorted() == Array(0..<sysfsQueues.tx))
            #expect(Self.total(counters.rx) <= rxAfter)
            #expect(Self.total(counters.tx) <= txAfter)
            let channels = LiveDeviceFacts().facts(interface: Self.interface, ifindex: ifindex).channels.value
            let allQueuesActive = channels.map { $0.combined == $0.maxCombined && $0.rx == $0.maxRx } ?? true
            if allQueuesActive {
                #expect(Self.total(counters.rx) >= rxBefore, "sum of queues vs sysfs rx_packets")
                #expect(Self.total(counters.tx) >= txBefore, "sum of queues vs sysfs tx_packets")
            }
        case .ethtoolStatistics:
            // Queue by queue between two runs of `ethtool -S`.
            let before = try #require(EthtoolQueueStatistics.packetCounters(printedBefore))
            let after = try #require(EthtoolQueueStatistics.packetCounters(printedAfter))
            #expect(Set(counters.rx.keys) == Set(after.rx.keys))
            for (queue, packets) in counters.rx {
                #expect(before.rx[queue]! <= packets && packets <= after.rx[queue]!, "rx queue \(queue)")
            }
            for (queue, packets) in counters.tx {
                #expect(before.tx[queue]! <= packets && packets <= after.tx[queue]!, "tx queue \(queue)")
            }
        }
    }

    @Test func theNICsCountersGrowWithItsTraffic() async throws {
        let ifindex = try HostNICTests.ifindex()
        let source = LiveQueueCounters()
        guard case .value(let first) = source.queueCounters(interface: Self.interface, ifindex: ifindex) else {
            try Test.cancel("no per-queue counters for \(Self.interface)")
        }
        // Only watch: this test sends nothing, so it needs the NIC to carry some traffic of its own.
        let rx = try Self.sysfsCounter(Self.interface, "rx_packets")
        let tx = try Self.sysfsCounter(Self.interface, "tx_packets")
        var moved = false
        for _ in 0..<10 where !moved {
            try await Task.sleep(for: .milliseconds(300))
            moved =
                try Self.sysfsCounter(Self.interface, "rx_packets") > rx
                || Self.sysfsCounter(Self.interface, "tx_packets") > tx
        }
        if !moved { try Test.cancel("\(Self.interface) carried no traffic for 3 seconds") }
        let second = try #require(source.queueCounters(interface: Self.interface, ifindex: ifindex).value)
        #expect(second.source == first.source)
        #expect(Self.total(second.rx) + Self.total(second.tx) > Self.total(first.rx) + Self.total(first.tx))
        for (queue, packets) in first.rx { #expect(second.rx[queue]! >= packets, "counters only grow") }
    }

    @Test func pollingEveryInterfaceIsCheap() throws {
        // `top` asks once a second per interface; a hundred rounds must take a small fraction of that.
        let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")
        let interfaces = try names.map { ($0, try Self.ifindex(of: $0)) }
        let source = LiveQueueCounters()
        for (name, index) in interfaces { _ = source.queueCounters(interface: name, ifindex: index) }
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<100 {
                for (name, index) in interfaces { _ = source.queueCounters(interface: name, ifindex: index) }
            }
        }
        let perCall = elapsed / (100 * max(interfaces.count, 1))
        #expect(perCall < .milliseconds(2), "one call took \(perCall) on average")
    }
}

/// The same, inside network namespaces of their own: a veth pair (no queue counters at all) and
/// an ifb device fed through a tc redirect (ethtool queue counters that move). Needs root.
@Suite(.needsRoot) struct QueueCountersNamespaceTests {
    @Test func vethHasNoPerQueuePacketCounters() throws {
        try VethNamespace.with { namespace in
            let ifindex = try namespace.ifindex(of: namespace.device)
            let answer = LiveQueueCounters(networkNamespace: namespace.name)
                .queueCounters(interface: namespace.device, ifindex: ifindex)
            switch answer {
            case .notSupported:
                break
            case .value(let counters):
                #expect(counters.rx.isEmpty && counters.tx.isEmpty, "veth counted packets: \(counters)")
            case .failed(let failure):
                Issue.record("\(failure)")
            }
            // The ioctl reads exactly what ethtool prints for the idle pair: XDP counters only.
            let read = try EthtoolIoctlClient(networkNamespace: namespace.name).statistics(interface: namespace.device)
            let printed = EthtoolOutput.statistics(try namespace.execChecked(["ethtool", "-S", namespace.device]))
            #expect(read.map(\.name) == printed.map(\.name))
            #expect(read.map(\.value) == printed.map(\.value))
            #expect(read.contains { $0.name == "peer_ifindex" })
            #expect(read.contains { $0.name == "rx_queue_0_xdp_packets" })
            #expect(EthtoolQueueStatistics.packetCounters(read) == nil)
        }
    }

    @Test func ifbQueueCountersComeFromEthtoolAndCountRedirectedPackets() throws {
        try VethNamespace.with { namespace in
            let ifb = "cmtifb0"
            let queues = 4
            let added = try runCommand([
                "ip", "-n", namespace.name, "link", "add", ifb, "numtxqueues", "\(queues)", "numrxqueues", "\(queues)",
                "type", "ifb",
            ])
            if added.status != 0 { try Test.cancel("this kernel has no ifb driver: \(added.error)") }
            try runChecked(["ip", "-n", namespace.name, "link", "set", ifb, "up"])
            let ifindex = try namespace.ifindex(of: ifb)
            let source = LiveQueueCounters(networkNamespace: namespace.name)
            let before = try #require(source.queueCounters(interface: ifb, ifindex: ifindex).value)
            #expect(before.source == .ethtoolStatistics, "ifb keeps no QSTATS, so ethtool answers")
            #expect(before.rx.keys.sorted() == Array(0..<queues))
            #expect(before.tx.keys.sorted() == Array(0..<queues))

            // No IPv6 in the namespace: router solicitations and MLD reports that the veth pair
            // sends by itself, seconds after it came up, would be counted between the reads below.
            for device in ["all", "default", namespace.device, namespace.peer] {
                try namespace.execChecked(["sysctl", "-q", "-w", "net.ipv6.conf.\(device).disable_ipv6=1"])
            }

            // Everything arriving at v1 goes to the ifb; v0 sends to v1's MAC, inside the namespace.
            let peerMAC = try namespace.execChecked(["cat", "/sys/class/net/\(namespace.peer)/address"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let netns = ["-n", namespace.name]
            try runChecked(["tc"] + netns + ["qdisc", "add", "dev", namespace.peer, "ingress"])
            try runChecked(
                ["tc"] + netns + ["filter", "add", "dev", namespace.peer, "parent", "ffff:", "protocol", "all"]
                    + ["u32", "match", "u32", "0", "0", "action", "mirred", "egress", "redirect", "dev", ifb])
            try runChecked(["ip"] + netns + ["addr", "add", "10.251.0.1/24", "dev", namespace.device])
            try runChecked(
                ["ip"] + netns + ["neigh", "replace", "10.251.0.2", "lladdr", peerMAC, "dev", namespace.device]
                    + ["nud", "permanent"])
            let sent = 20
            try namespace.execChecked([
                "bash", "-c", "for i in $(seq \(sent)); do printf x > /dev/udp/10.251.0.2/9; done",
            ])

            var after = before
            for _ in 0..<20 {
                after = try #require(source.queueCounters(interface: ifb, ifindex: ifindex).value)
                if QueueCountersHostTests.total(after.rx) >= QueueCountersHostTests.total(before.rx) + UInt64(sent) {
                    break
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            #expect(QueueCountersHostTests.total(after.rx) >= QueueCountersHostTests.total(before.rx) + UInt64(sent))
            for queue in 0..<queues { #expect(after.rx[queue]! >= before.rx[queue]!) }

            // Once the traffic has stopped, the answer is what `ethtool -S` prints, and an index
            // alone (no name) finds the same device. A packet the kernel sends on its own between
            // the reads would change both sides: such a round is read again (a few times at most).
            Thread.sleep(forTimeInterval: 0.2)
            var rounds: [(byName: DeviceQuery<QueuePacketCounters>, printed: QueuePacketCounters, byIndex: DeviceQuery<QueuePacketCounters>)] = []
            for _ in 0..<5 {
                let byName = source.queueCounters(interface: ifb, ifindex: ifindex)
                let printed = EthtoolOutput.statistics(try namespace.execChecked(["ethtool", "-S", ifb]))
                let expected = try #require(EthtoolQueueStatistics.packetCounters(printed))
                let byIndex = source.queueCounters(interface: "", ifindex: ifindex)
                rounds.append((byName, expected, byIndex))
                if byName == .value(expected) && byIndex == .value(expected) { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
            let last = try #require(rounds.last)
            #expect(last.byName == .value(last.printed), "rounds: \(rounds)")
            #expect(last.byIndex == .value(last.printed), "rounds: \(rounds)")
        }
    }

    @Test func anUnknownIfindexInTheNamespaceFailsWithENODEV() throws {
        try VethNamespace.with { namespace in
            let missing = try namespace.unusedIfindex()
            let answer = LiveQueueCounters(networkNamespace: namespace.name)
                .queueCounters(interface: "cmtnl-absent", ifindex: missing)
            guard case .failed(let failure) = answer else {
                Issue.record("expected a failure for ifindex \(missing), got \(answer)")
                return
            }
            #expect(failure.errno == ENODEV)
            #expect(
                ["netdev QSTATS_GET cmtnl-absent", "ethtool ETHTOOL_GSSET_INFO cmtnl-absent"].contains(failure.call))
        }
    }
}
