import CMTuneTestSupport
import Foundation
import HostKit
import Netlink
import Testing

/// The machine's own NIC (eth0, virtio_net on CI; CMTUNE_TEST_NIC names another), read-only:
/// the netdev family's queue -> NAPI links and ethtool's answers against the ethtool command.
@Suite(.timeLimit(.minutes(3))) struct HostNICTests {
    static let interface = ProcessInfo.processInfo.environment["CMTUNE_TEST_NIC"] ?? "eth0"

    /// The NIC's ifindex, or cancels the test when this machine has no such interface.
    static func ifindex() throws -> Int {
        let path = "/sys/class/net/\(interface)/ifindex"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let index = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            try Test.cancel("no \(interface) on this machine (set CMTUNE_TEST_NIC to a NIC to test)")
        }
        return index
    }

    static func sysfsQueueCounts() throws -> (rx: Int, tx: Int) {
        let names = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(interface)/queues")
        return (names.filter { $0.hasPrefix("rx-") }.count, names.filter { $0.hasPrefix("tx-") }.count)
    }

    static func netdevClient() throws -> NetdevClient {
        try cancelIfNotSupported("this kernel has no netdev generic netlink family") { () throws(NetlinkError) in
            try NetdevClient()
        }
    }

    /// Runs a query; a kernel or driver without it cancels the test with `reason`.
    static func cancelIfNotSupported<T>(_ reason: String, _ body: () throws(NetlinkError) -> T) throws -> T {
        switch Result(catching: body) {
        case .success(let value):
            return value
        case .failure(let error):
            if error.isNotSupported { try Test.cancel("\(reason): \(error)") }
            throw error
        }
    }

    @Test func everyQueueIsListedWithTheNAPIThatServesIt() throws {
        let ifindex = try Self.ifindex()
        let client = try Self.netdevClient()
        let queues = try Self.cancelIfNotSupported("this kernel's netdev family has no QUEUE_GET") {
            () throws(NetlinkError) in try client.queues(ifindex: ifindex, name: Self.interface)
        }
        let sysfs = try Self.sysfsQueueCounts()
        #expect(queues.filter { $0.kind == .rx }.map(\.index).sorted() == Array(0..<sysfs.rx))
        #expect(queues.filter { $0.kind == .tx }.map(\.index).sorted() == Array(0..<sysfs.tx))
        // The rx path runs in NAPI, and drivers that register their queues link each rx queue to
        // its NAPI; tx may stay unlinked (virtio_net on 6.18 links none).
        #expect(
            queues.filter { $0.kind == .rx }.allSatisfy { $0.napiID != nil }, "rx queues without a NAPI id: \(queues)")

        let napis = try client.napiInstances(ifindex: ifindex, name: Self.interface)
        let known = Set(napis.map(\.id))
        #expect(queues.compactMap(\.napiID).allSatisfy(known.contains), "queues \(queues), NAPIs \(napis)")
        // An IRQ, when reported, is one the kernel lists in /proc/interrupts.
        let interrupts = try String(contentsOfFile: "/proc/interrupts", encoding: .utf8)
        let irqNumbers = Set(
            interrupts.split(separator: "\n").compactMap { line in
                line.split(separator: ":").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            })
        for napi in napis {
            if let irq = napi.irq { #expect(irqNumbers.contains(irq), "NAPI \(napi.id) names IRQ \(irq)") }
        }
    }

    @Test func queueStatisticsCoverTheQueuesAndOnlyGrow() throws {
        let ifindex = try Self.ifindex()
        let client = try Self.netdevClient()
        let first = try Self.cancelIfNotSupported("this kernel's netdev family has no QSTATS_GET") {
            () throws(NetlinkError) in try client.queueStatistics(ifindex: ifindex, name: Self.interface)
        }
        if first.isEmpty { try Test.cancel("\(Self.interface)'s driver keeps no per-queue statistics") }
        let queues = try client.queues(ifindex: ifindex, name: Self.interface)
        let key = { (kind: NetdevQueue.Kind, index: Int) in "\(kind.rawValue)-\(index)" }
        #expect(Set(first.map { key($0.kind, $0.index) }) == Set(queues.map { key($0.kind, $0.index) }))
        let second = try client.queueStatistics(ifindex: ifindex, name: Self.interface)
        for before in first {
            let after = try #require(second.first { $0.kind == before.kind && $0.index == before.index })
            #expect((after.packets ?? 0) >= (before.packets ?? 0))
            #expect((after.bytes ?? 0) >= (before.bytes ?? 0))
        }
    }

    @Test func ethtoolFactsAgreeWithTheEthtoolCommand() throws {
        let ifindex = try Self.ifindex()
        let facts = LiveDeviceFacts().facts(interface: Self.interface, ifindex: ifindex)
        /// What ethtool shows for an option: not supported, or its output parsed.
        func ethtool<Value>(_ option: String, _ parse: (String) -> Value) throws -> DeviceQuery<Value> {
            let result = try runCommand(["ethtool", option, Self.interface])
            if EthtoolOutput.saysNotSupported(result) { return .notSupported }
            guard result.status == 0 else { throw CommandFailure(arguments: ["ethtool", option], result: result) }
            return .value(parse(result.output))
        }
        #expect(facts.channels == (try ethtool("-l", EthtoolOutput.channels)))
        #expect(facts.rings == (try ethtool("-g", EthtoolOutput.rings)))
        #expect(facts.coalescing == (try ethtool("-c", EthtoolOutput.coalescing)))
    }

    @Test func rssHashFunctionsAgreeWithTheEthtoolCommand() throws {
        let ifindex = try Self.ifindex()
        let facts = LiveDeviceFacts().facts(interface: Self.interface, ifindex: ifindex)
        let listing = try runCommand(["ethtool", "-x", Self.interface])
        // ethtool prints "    toeplitz: on" for each function the device has enabled.
        let enabled = listing.output.split(separator: "\n").compactMap { line -> String? in
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.count == 2 && parts[1] == "on" ? parts[0] : nil
        }
        switch facts.rss {
        case .value(let rss):
            #expect(rss.hashFunctions == enabled)
            // Every indirection entry names an rx queue the device has.
            let queueCount = try Self.sysfsQueueCounts().rx
            #expect(rss.indirectionTable.allSatisfy { $0 < queueCount }, "\(rss.indirectionTable)")
        case .notSupported:
            #expect(enabled.isEmpty, "netlink says no RSS but ethtool shows \(enabled)")
        case .failed(let failure):
            Issue.record("RSS_GET failed: \(failure)")
        }
    }
}
