import CMTuneTestSupport
import Foundation
import HostKit
import Netlink
import Testing

/// The Netlink target against a real multi-queue device: a veth pair in a namespace of its own,
/// queried in-process through sockets created inside that namespace, and held against what
/// `ethtool` prints for the same device.
@Suite(.needsRoot) struct VethNamespaceTests {
    @Test func channelsMatchWhatEthtoolLists() throws {
        try VethNamespace.with { namespace in
            let facts = LiveDeviceFacts(networkNamespace: namespace.name)
                .facts(interface: namespace.device, ifindex: try namespace.ifindex(of: namespace.device))
            let listed = EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", namespace.device]))
            #expect(facts.channels == .value(listed))
            #expect(listed.rx == UInt32(namespace.queues), "the pair was created with \(namespace.queues) rx queues")
        }
    }

    @Test func channelsFollowAChangeMadeWithEthtool() throws {
        try VethNamespace.with { namespace in
            let client = try EthtoolClient(networkNamespace: namespace.name)
            let device = NetlinkDevice.named(namespace.device)
            let before = try client.channels(of: device)
            try namespace.execChecked(["ethtool", "-L", namespace.device, "rx", "2", "tx", "2"])
            let after = try client.channels(of: device)
            #expect(after.rx == 2)
            #expect(after.tx == 2)
            #expect(after.maxRx == before.maxRx, "maximums do not move when counts change")
            #expect(after == EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", namespace.device])))
        }
    }

    @Test func setChannelsIsWhatEthtoolThenReports() throws {
        try VethNamespace.with { namespace in
            let client = try EthtoolClient(networkNamespace: namespace.name)
            let device = NetlinkDevice(name: namespace.device, index: try namespace.ifindex(of: namespace.device))
            try client.setChannels(of: device, rx: 3, tx: 1)
            let listed = EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", namespace.device]))
            #expect(listed.rx == 3)
            #expect(listed.tx == 1)
            #expect(try client.channels(of: device) == listed)
            // The kernel resized the device's active queues to match.
            let netdev = try NetdevClient(networkNamespace: namespace.name)
            let queues = try netdev.queues(ifindex: device.index!)
            #expect(queues.filter { $0.kind == .rx }.count == 3)
            #expect(queues.filter { $0.kind == .tx }.count == 1)
        }
    }

    @Test func setChannelsAboveTheMaximumFailsWithTheKernelsReason() throws {
        try VethNamespace.with { namespace in
            let client = try EthtoolClient(networkNamespace: namespace.name)
            let device = NetlinkDevice.named(namespace.device)
            let maximum = try #require(try client.channels(of: device).maxRx)
            let error = try #require(throws: NetlinkError.self) {
                try client.setChannels(of: device, rx: maximum + 1)
            }
            #expect(error.errno == EINVAL)
            #expect(error.operation == "ethtool CHANNELS_SET \(namespace.device)")
            #expect(error.extendedAck?.isEmpty == false, "NETLINK_EXT_ACK is on, so the kernel says what it rejected")
            #expect(!error.isNotSupported)
            let listed = EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", namespace.device]))
            #expect(listed.rx == maximum, "a rejected change leaves the counts as they were")
        }
    }

    @Test func ringsAndCoalescingAgreeWithEthtool() throws {
        try VethNamespace.with { namespace in
            let facts = LiveDeviceFacts(networkNamespace: namespace.name)
                .facts(interface: namespace.device, ifindex: try namespace.ifindex(of: namespace.device))
            let rings = try namespace.exec(["ethtool", "-g", namespace.device])
            if EthtoolOutput.saysNotSupported(rings) {
                #expect(facts.rings == .notSupported)
            } else {
                #expect(rings.status == 0, "\(rings.error)")
                #expect(facts.rings == .value(EthtoolOutput.rings(rings.output)))
            }
            let coalescing = try namespace.exec(["ethtool", "-c", namespace.device])
            if EthtoolOutput.saysNotSupported(coalescing) {
                #expect(facts.coalescing == .notSupported)
            } else {
                #expect(coalescing.status == 0, "\(coalescing.error)")
                #expect(facts.coalescing == .value(EthtoolOutput.coalescing(coalescing.output)))
            }
        }
    }

    @Test func rssOnVethIsNotSupportedRatherThanAFailure() throws {
        try VethNamespace.with { namespace in
            let facts = LiveDeviceFacts(networkNamespace: namespace.name)
                .facts(interface: namespace.device, ifindex: try namespace.ifindex(of: namespace.device))
            #expect(facts.rss == .notSupported)
            // ethtool agrees that veth has no RSS.
            #expect(EthtoolOutput.saysNotSupported(try namespace.exec(["ethtool", "-x", namespace.device])))
        }
    }

    @Test func anUnknownIfindexFailsWithENODEVNamingTheCall() throws {
        try VethNamespace.with { namespace in
            let missing = try namespace.unusedIfindex()
            let facts = LiveDeviceFacts(networkNamespace: namespace.name)
                .facts(interface: "cmtnl-absent", ifindex: missing)
            guard case .failed(let failure) = facts.channels else {
                Issue.record("expected a failure for ifindex \(missing), got \(facts.channels)")
                return
            }
            #expect(failure.errno == ENODEV)
            #expect(failure.call == "ethtool CHANNELS_GET cmtnl-absent")
            #expect(failure.message.hasPrefix("no such interface"))
            #expect(failure.libnlCode != nil)
            for query in [facts.rings.failure, facts.coalescing.failure, facts.rss.failure] {
                #expect(query?.errno == ENODEV)
            }
            switch facts.queues {
            case .notSupported:
                break  // a kernel without the netdev family
            case .failed(let failure):
                #expect(failure.errno == ENODEV)
                #expect(failure.call == "netdev QUEUE_GET cmtnl-absent")
            case .value(let queues):
                Issue.record("netdev listed queues for a device that does not exist: \(queues)")
            }
        }
    }

    @Test func netdevListsEveryActiveQueueOfTheVeth() throws {
        try VethNamespace.with { namespace in
            let ifindex = try namespace.ifindex(of: namespace.device)
            let facts = LiveDeviceFacts(networkNamespace: namespace.name)
                .facts(interface: namespace.device, ifindex: ifindex)
            guard case .value(let queues) = facts.queues else {
                if facts.queues == .notSupported { try Test.cancel("this kernel has no netdev QUEUE_GET") }
                Issue.record("netdev QUEUE_GET failed: \(facts.queues)")
                return
            }
            let sysfs = try namespace.sysfsQueueCounts(of: namespace.device)
            #expect(queues.filter { $0.kind == .rx }.map(\.index).sorted() == Array(0..<sysfs.rx))
            #expect(queues.filter { $0.kind == .tx }.map(\.index).sorted() == Array(0..<sysfs.tx))
            // Every NAPI a queue names is one NAPI_GET lists.
            if case .value(let napis) = facts.napis {
                let known = Set(napis.map(\.id))
                #expect(queues.compactMap(\.napiID).allSatisfy(known.contains))
            }
        }
    }

    @Test func aDumpSpanningManyDatagramsReturnsEveryReply() throws {
        // 256 + 256 queue replies do not fit in one receive buffer, so libnl has to keep reading
        // the multipart dump until NLMSG_DONE.
        try VethNamespace.with(queues: 256) { namespace in
            let netdev = try NetdevClient(networkNamespace: namespace.name)
            let queues = try netdev.queues(ifindex: try namespace.ifindex(of: namespace.device))
            let sysfs = try namespace.sysfsQueueCounts(of: namespace.device)
            #expect(sysfs.rx == 256)
            #expect(queues.filter { $0.kind == .rx }.count == sysfs.rx)
            #expect(queues.filter { $0.kind == .tx }.count == sysfs.tx)
            // The same socket answers the next request: the dump left nothing unread behind.
            #expect(try netdev.queues(ifindex: try namespace.ifindex(of: namespace.device)).count == queues.count)
        }
    }

    @Test func aSocketOpenedInANamespaceSeesThatNamespacesDevices() throws {
        try VethNamespace.with { namespace in
            let inside = try EthtoolClient(networkNamespace: namespace.name)
            #expect(try inside.channels(of: .named(namespace.peer)).maxRx == UInt32(namespace.queues))
            // The same name does not exist in this process's own namespace.
            let outside = try EthtoolClient()
            let error = try #require(throws: NetlinkError.self) { try outside.channels(of: .named(namespace.peer)) }
            #expect(error.errno == ENODEV)
        }
    }
}

extension DeviceQuery {
    var failure: DeviceQueryFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}
