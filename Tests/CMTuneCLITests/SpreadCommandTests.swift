import CMTuneTestSupport
import Foundation
import HostKit
import Testing

@Suite("cmtune spread and restore", .serialized, .timeLimit(.minutes(3)))
struct SpreadCommandTests {
    /// Every queue file of an interface in a namespace, with its bytes.
    static func queueFiles(_ namespace: VethNamespace, _ interface: String) throws -> [String: String] {
        let listing = try namespace.execChecked([
            "sh", "-c",
            "for f in /sys/class/net/\(interface)/queues/*/rps_cpus /sys/class/net/\(interface)/queues/*/rps_flow_cnt /sys/class/net/\(interface)/queues/*/xps_cpus; do printf '%s=' $f; cat $f 2>/dev/null || echo '<unreadable>'; done",
        ])
        var files: [String: String] = [:]
        for line in listing.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            files[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return files
    }

    @Test("veth in a namespace: dry-run changes nothing; apply sets channels, RPS, RFS, XPS and reads back; restore returns every byte", .needsRoot)
    func vethApplyRestore() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let state = try TemporaryDirectory()
        try VethNamespace.with { namespace in
            // One channel each way, so --channels max has something to raise.
            try namespace.execChecked(["ethtool", "-L", "v0", "rx", "1", "tx", "1"])
            let before = try Self.queueFiles(namespace, "v0")
            let channelsBefore = try namespace.execChecked(["ethtool", "-l", "v0"])

            let (dry, plan) = try CMTuneBinary.json(["spread", "v0", "--dry-run", "--state-dir", state.path], namespace: namespace.name)
            #expect(dry.status == 0, "\(dry.error)")
            #expect(plan["dryRun"] as? Bool == true)
            #expect(!(plan["writes"] as? [Any] ?? []).isEmpty || !(plan["channels"] as? [Any] ?? []).isEmpty)
            #expect(try Self.queueFiles(namespace, "v0") == before)
            #expect(try namespace.execChecked(["ethtool", "-l", "v0"]) == channelsBefore)
            #expect(try FileManager.default.contentsOfDirectory(atPath: state.path).isEmpty)

            // RPS on: with as many queues as CPUs, auto would (rightly) leave it off.
            let (apply, result) = try CMTuneBinary.json(
                ["spread", "v0", "--rps", "on", "--state-dir", state.path, "--irqbalance", "ignore"], namespace: namespace.name)
            #expect(apply.status == 0, "\(apply.error) \(apply.output)")
            #expect(result["status"] as? String == "applied")
            let online = try CPUSet(parsingList: try String(contentsOfFile: "/sys/devices/system/cpu/online", encoding: .utf8))
            let channels = EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", "v0"]))
            #expect(channels.rx == UInt32(min(4, online.count)))
            #expect(channels.tx == UInt32(min(4, online.count)))
            let applied = try #require(result["applied"] as? [[String: Any]])
            #expect(!applied.isEmpty)
            for write in applied {
                let path = try #require(write["path"] as? String)
                let now = try namespace.execChecked(["cat", path]).trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(now == write["readBack"] as? String, "\(path)")
            }
            let kinds = Set(applied.compactMap { $0["kind"] as? String })
            #expect(kinds.contains("rps") && kinds.contains("rfs-flow-count") && kinds.contains("xps"))
            // What nic reads is what spread wrote.
            let (_, nic) = try CMTuneBinary.json(["nic", "v0"], namespace: namespace.name)
            let queues = try #require(nic.interface("v0")?["queues"] as? [[String: Any]])
            for write in applied where write["kind"] as? String == "rps" {
                let index = Int((write["path"] as! String).split(separator: "/")[5].dropFirst(3))!
                let queue = try #require(queues.first { $0["kind"] as? String == "rx" && $0["index"] as? Int == index })
                #expect(queue["rpsCPUs"] as? [Int] == Array(try CPUSet(parsingMask: write["new"] as! String)))
            }

            let restore = try CMTuneBinary.run(["restore", "--state-dir", state.path], namespace: namespace.name)
            #expect(restore.status == 0, "\(restore.error)")
            #expect(try namespace.execChecked(["ethtool", "-l", "v0"]) == channelsBefore)
            #expect(try Self.queueFiles(namespace, "v0") == before)
        }
    }

    @Test("this machine's own NIC: a real IRQ affinity write, read back, then restored exactly", .needsRoot)
    func ownNICAffinity() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let (_, nic) = try CMTuneBinary.json(["nic"])
        let candidate = nic.interfaces().first { interface in
            (interface["virtual"] as? Bool) == false && (interface["queues"] as? [[String: Any]] ?? []).contains { $0["irq"] as? Int != nil }
        }
        let interface = try #require(candidate?["name"] as? String, "no NIC with queue IRQs on this machine")
        let irqs = (candidate?["queues"] as? [[String: Any]] ?? []).compactMap { $0["irq"] as? Int }
        func affinities() throws -> [Int: String] {
            Dictionary(uniqueKeysWithValues: try irqs.map { ($0, try String(contentsOfFile: "/proc/irq/\($0)/smp_affinity_list", encoding: .utf8)) })
        }
        let before = try affinities()
        let state = try TemporaryDirectory()
        let (apply, result) = try CMTuneBinary.json([
            "spread", interface, "--channels", "keep", "--rps", "off", "--rfs", "off", "--xps", "off", "--irqbalance", "ignore", "--state-dir", state.path,
        ])
        #expect(apply.status == 0, "\(apply.error)")
        let applied = (result["applied"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "irq-affinity" }
        let skipped = result["skipped"] as? [[String: Any]] ?? []
        #expect(!applied.isEmpty || !skipped.isEmpty, "expected an IRQ write or a managed-IRQ skip: \(result)")
        for write in applied {
            let path = try #require(write["path"] as? String)
            #expect(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == write["new"] as? String)
            #expect(write["effectiveAffinity"] is [Int])
        }
        let restore = try CMTuneBinary.run(["restore", "--state-dir", state.path])
        #expect(restore.status == 0, "\(restore.error)")
        #expect(try affinities() == before)
    }

    @Test("refusals come before any write, exit status 2: bad CPU list, offline CPU, unknown interface, no privilege, corrupt snapshot")
    func refusals() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = FixtureTree()
        SyntheticHost.healthy().write(to: tree)
        let state = tree.path + "/var/lib/cmtune/snapshots"
        let badList = try CMTuneBinary.run(["spread", "--root", tree.path, "--cpus", "0-3,z"])
        #expect(badList.status == 2)
        #expect(badList.error.contains("invalid CPU list '0-3,z': 'z' is not a CPU number or range"))
        let offline = try CMTuneBinary.run(["spread", "--root", tree.path, "--cpus", "4-12"])
        #expect(offline.status == 2)
        #expect(offline.error.contains("CPUs 8-12 are offline or do not exist (online: 0-7)"))
        let unknown = try CMTuneBinary.run(["spread", "--root", tree.path, "eth7"])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("no interface named 'eth7'"))
        #expect(!FileManager.default.fileExists(atPath: state))

        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try "{ not json".write(toFile: state + "/2026.json", atomically: true, encoding: .utf8)
        let corrupt = try CMTuneBinary.run(["restore", "--root", tree.path])
        #expect(corrupt.status == 2)
        #expect(corrupt.error.contains("is corrupt"))

        if isRoot {
            let unprivileged = try CMTuneBinary.run(["spread"], user: 65534)
            #expect(unprivileged.status == 2)
            #expect(unprivileged.error.contains("run it as root"))
        }
    }

    @Test("on a fake root: apply then restore through the command line gives back every byte")
    func fakeRootRoundTrip() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = FixtureTree()
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [1] }
        let irqs = host.write(to: tree)
        let irq = irqs["eth0-TxRx-2"]!
        let before = try tree.root.readBytes("proc/irq/\(irq)/smp_affinity_list")
        let (apply, result) = try CMTuneBinary.json(["spread", "--root", tree.path])
        #expect(apply.status == 0, "\(apply.error)")
        #expect(try tree.root.readBytes("proc/irq/\(irq)/smp_affinity_list") != before)
        let id = try #require(result["snapshot"] as? String)
        let list = try CMTuneBinary.run(["restore", "--root", tree.path, "--list", "--json"])
        #expect(list.status == 0)
        #expect(list.output.contains("\"id\": \"\(id)\""))
        let restore = try CMTuneBinary.run(["restore", "--root", tree.path, "--id", id])
        #expect(restore.status == 0, "\(restore.error)")
        #expect(try tree.root.readBytes("proc/irq/\(irq)/smp_affinity_list") == before)
    }
}
