import CMTuneTestSupport
import Foundation
import HostKit
import Testing

@Suite("cmtune nic", .serialized)
struct NicCommandTests {
    @Test("inside a namespace, a 4-queue veth shows 4 queues per side and ethtool's channel counts, before and after ethtool -L", .needsRoot)
    func vethQueuesAndChannels() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        try VethNamespace.with { namespace in
            let (result, document) = try CMTuneBinary.json(["nic"], namespace: namespace.name)
            #expect(result.status == 0, "\(result.error)")
            let v0 = try #require(document.interface("v0"))
            #expect(v0["rxQueueCount"] as? Int == 4)
            #expect(v0["txQueueCount"] as? Int == 4)
            let queues = try #require(v0["queues"] as? [[String: Any]])
            #expect(queues.filter { $0["kind"] as? String == "rx" }.count == 4)
            #expect(queues.filter { $0["kind"] as? String == "tx" }.count == 4)
            #expect(queues.allSatisfy { $0["irq"] is NSNull })
            let ethtool = EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", "v0"]))
            let channels = try #require(v0["channels"] as? [String: Any])
            #expect(channels["rx"] as? Int == ethtool.rx.map(Int.init))
            #expect(channels["tx"] as? Int == ethtool.tx.map(Int.init))
            #expect(channels["maxRx"] as? Int == ethtool.maxRx.map(Int.init))
            #expect(channels["rx"] as? Int == 4)

            try namespace.execChecked(["ethtool", "-L", "v0", "rx", "2", "tx", "2"])
            let (_, after) = try CMTuneBinary.json(["nic", "v0"], namespace: namespace.name)
            let changed = try #require(after.interface("v0"))
            let newChannels = try #require(changed["channels"] as? [String: Any])
            #expect(newChannels["rx"] as? Int == 2)
            #expect(newChannels["tx"] as? Int == 2)
            #expect(newChannels["maxRx"] as? Int == 4)
            #expect(changed["rxQueueCount"] as? Int == 2)
            #expect(EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", "v0"])).rx == 2)
        }
    }

    @Test("an RPS mask and RFS flow count written by the test are read back", .needsRoot)
    func rpsReadBack() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        try VethNamespace.with { namespace in
            let online = try CPUSet(parsingList: try String(contentsOfFile: "/sys/devices/system/cpu/online", encoding: .utf8))
            let mask = online.maskString()
            try namespace.execChecked(["sh", "-c", "echo \(mask) > /sys/class/net/v0/queues/rx-1/rps_cpus"])
            try namespace.execChecked(["sh", "-c", "echo 256 > /sys/class/net/v0/queues/rx-1/rps_flow_cnt"])
            try namespace.execChecked(["sh", "-c", "echo 1 > /sys/class/net/v0/queues/tx-2/xps_cpus"])
            let (_, document) = try CMTuneBinary.json(["nic", "v0"], namespace: namespace.name)
            let queues = try #require(document.interface("v0")?["queues"] as? [[String: Any]])
            let rx1 = try #require(queues.first { $0["kind"] as? String == "rx" && $0["index"] as? Int == 1 })
            #expect(rx1["rpsCPUs"] as? [Int] == Array(online))
            #expect(rx1["rfsFlowCount"] as? Int == 256)
            let rx0 = try #require(queues.first { $0["kind"] as? String == "rx" && $0["index"] as? Int == 0 })
            #expect(rx0["rpsCPUs"] as? [Int] == [])
            let tx2 = try #require(queues.first { $0["kind"] as? String == "tx" && $0["index"] as? Int == 2 })
            #expect(tx2["xpsCPUs"] as? [Int] == [0])
        }
    }

    @Test("on this machine's own NIC the rx and tx IRQs are named")
    func ownNICMapping() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let (result, document) = try CMTuneBinary.json(["nic"])
        #expect(result.status == 0, "\(result.error)")
        let physical = document.interfaces().filter { ($0["virtual"] as? Bool) == false && ($0["inferredFromIRQNames"] as? Bool) == false }
        let withVectors = physical.filter { interface in
            let queues = interface["queues"] as? [[String: Any]] ?? []
            return queues.contains { !($0["irq"] is NSNull) }
        }
        try #require(!withVectors.isEmpty, "this machine has no NIC with MSI vectors to check (interfaces: \(document.interfaces().map { $0["name"] ?? "?" }))")
        for interface in withVectors {
            let queues = try #require(interface["queues"] as? [[String: Any]])
            let kinds = Set(queues.compactMap { $0["kind"] as? String })
            #expect(kinds.contains("rx") || kinds.contains("combined"))
            #expect(kinds.contains("tx") || kinds.contains("combined"))
            for queue in queues {
                #expect(queue["irq"] as? Int != nil, "\(interface["name"] ?? "?") \(queue["kind"] ?? "?")-\(queue["index"] ?? "?") has no IRQ")
                #expect((queue["irqName"] as? String)?.isEmpty == false)
                #expect(["netdev-netlink", "msi-irqs", "legacy-irq"].contains(queue["irqSource"] as? String ?? ""))
                #expect((queue["effectiveAffinity"] as? [Int])?.isEmpty == false)
            }
        }
    }

    @Test("an unknown interface is named on stderr with exit status 1, and the others are still shown")
    func unknownInterface() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = try TemporaryDirectory()
        try tree.write("proc/interrupts", try String(contentsOfFile: Fixtures.realHosts + "/igb.E5606/interrupts", encoding: .utf8))
        let result = try CMTuneBinary.run(["nic", "--root", tree.path, "eth9", "eth4"])
        #expect(result.status == 1)
        #expect(result.error.contains("no interface named 'eth9'"))
        #expect(result.output.contains("eth4"))
        #expect(result.output.contains("eth4-rx-3"))
    }

    @Test(
        "a read-only command works without root and says nothing is wrong",
        .enabled(if: isRoot, "needs root: it drops to user 65534 to run unprivileged (run as root, as CI does)"))
    func unprivileged() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let result = try CMTuneBinary.run(["nic"], user: 65534)
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.isEmpty)
    }

    @Test("an unreadable file is named with EACCES, exit status 1, and the rest is shown", .needsRoot)
    func missingPrivilege() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = try TemporaryDirectory()
        try tree.write("proc/interrupts", try String(contentsOfFile: Fixtures.realHosts + "/ixgbe.E5645/interrupts", encoding: .utf8))
        try tree.write("proc/irq/66/smp_affinity_list", "0-11")
        try tree.write("proc/irq/67/smp_affinity_list", "3")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: tree.path + "/proc/irq/66/smp_affinity_list")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tree.path)
        let result = try CMTuneBinary.run(["nic", "--root", tree.path, "eth0", "--json"], user: 65534)
        #expect(result.status == 1)
        #expect(result.error.contains("cmtune: \(tree.path)/proc/irq/66/smp_affinity_list: cannot read: Permission denied (EACCES)"))
        let document = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let queues = try #require(document?.interface("eth0")?["queues"] as? [[String: Any]])
        #expect(queues.first { $0["irq"] as? Int == 67 }?["affinity"] as? [Int] == [3])
        #expect(queues.first { $0["irq"] as? Int == 66 }?["affinity"] is NSNull)
    }

    @Test("--root that is not a directory is refused with the path in the message")
    func badRoot() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let result = try CMTuneBinary.run(["nic", "--root", "/nonexistent/cmtune"])
        #expect(result.status == 2)
        #expect(result.error.contains("--root /nonexistent/cmtune: not a directory"))
    }
}
