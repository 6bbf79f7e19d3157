import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// What the spread and restore commands promise when things do not go to plan: a signal at any
/// step leaves the host as it was, `kill -9` is finished off by the next command, the dry-run is
/// the apply, a snapshot does not cross namespaces.
@Suite("cmtune spread: signals, journal, dry-run, namespaces", .serialized, .timeLimit(.minutes(3)))
struct SpreadSafetyTests {
    /// Every file of a fake root except cmtune's own state, with its bytes.
    static func hostFiles(_ tree: FixtureTree) throws -> [String: Data] {
        try SpreadSafetyTests.files(under: tree.path).filter { !$0.key.hasPrefix("/var/lib/cmtune") }
    }

    static func files(under base: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let root = URL(fileURLWithPath: base)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else { return [:] }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values.isRegularFile == true, values.isSymbolicLink != true else { continue }
            result[String(url.path.dropFirst(root.path.count))] = try Data(contentsOf: url)
        }
        return result
    }

    static func fakeHost() -> FixtureTree {
        let tree = FixtureTree()
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [0] }
        host.nics[0].affinity = { _ in "0-7" }
        host.write(to: tree)
        return tree
    }

    static func withSignal(_ hook: String, _ arguments: [String]) throws -> CommandResult {
        try runCommand(["env", "CMTUNE_TEST_SIGNAL_AFTER_STEP=\(hook)", CMTuneBinary.path] + arguments)
    }

    @Test("SIGINT, SIGTERM or SIGHUP after any step of an apply: everything written is put back, exit 128+N, the snapshot says rolled-back")
    func signalAtEveryStep() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let probe = Self.fakeHost()
        let (_, plan) = try CMTuneBinary.json(["spread", "--root", probe.path, "--rps", "on", "--dry-run"])
        let steps = (plan["writes"] as? [Any] ?? []).count
        #expect(steps >= 8)
        for step in 1..<steps {
            for (signal, status) in [("INT", Int32(130)), ("TERM", 143), ("HUP", 129)] where signal == "INT" || step == 1 || step == steps - 1 {
                let tree = Self.fakeHost()
                let before = try Self.hostFiles(tree)
                let result = try Self.withSignal("\(step):\(signal)", ["spread", "--root", tree.path, "--rps", "on", "--json"])
                #expect(result.status == status, "step \(step) SIG\(signal): \(result.error)")
                let document = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
                #expect(document?["status"] as? String == "rolled-back")
                #expect(document?["interruptedBy"] as? String == "SIG\(signal)")
                #expect(try Self.hostFiles(tree) == before, "step \(step) SIG\(signal) left the host changed")
                let list = try CMTuneBinary.run(["restore", "--root", tree.path, "--list", "--json"])
                #expect(list.output.contains("\"state\" : \"rolled-back\"") || list.output.contains("\"state\": \"rolled-back\""), "\(list.output)")
            }
        }
    }

    @Test("kill -9 in the middle of an apply: the next restore (or spread) rolls the half-done apply back first")
    func killedMidApply() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        for next in ["restore", "spread"] {
            let tree = Self.fakeHost()
            let before = try Self.hostFiles(tree)
            let killed = try Self.withSignal("3:KILL", ["spread", "--root", tree.path, "--rps", "on"])
            #expect(killed.status == 9, "\(killed.error)")
            #expect(try Self.hostFiles(tree) != before)
            if next == "restore" {
                let restore = try CMTuneBinary.run(["restore", "--root", tree.path])
                #expect(restore.status == 0, "\(restore.error)")
                #expect(restore.error.contains("was cut short; rolled back"))
                #expect(try Self.hostFiles(tree) == before)
            } else {
                // The next spread first puts the half-done one back, then applies in full; its
                // restore then returns to the state before both.
                let spread = try CMTuneBinary.run(["spread", "--root", tree.path, "--rps", "on"])
                #expect(spread.status == 0, "\(spread.error)")
                #expect(spread.error.contains("was cut short; rolled back"))
                let restore = try CMTuneBinary.run(["restore", "--root", tree.path])
                #expect(restore.status == 0, "\(restore.error)")
                #expect(try Self.hostFiles(tree) == before)
            }
        }
    }

    @Test("while another writer holds the state directory, spread, restore and sysctl --apply are refused with its pid; nothing written")
    func oneWriter() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.fakeHost()
        let before = try Self.hostFiles(tree)
        let held = try StateLock(directory: tree.path + "/var/lib/cmtune/snapshots")
        for arguments in [["spread", "--rps", "on"], ["restore"], ["sysctl", "--apply"]] {
            let result = try CMTuneBinary.run(arguments + ["--root", tree.path])
            #expect(result.status == 2, "\(arguments): \(result.error)")
            #expect(result.error.contains("another cmtune spread, restore or sysctl --apply is running (pid \(getpid()))"), "\(result.error)")
        }
        #expect(try Self.hostFiles(tree) == before)
        withExtendedLifetime(held) {}
        // A dry-run only reads: it does not wait for the writer.
        #expect(try CMTuneBinary.run(["spread", "--root", tree.path, "--dry-run"]).status == 0)
    }

    @Test("spread, spread again (nothing to do: no snapshot), restore: the host is back as before the first, exit 0")
    func spreadTwiceRestore() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.fakeHost()
        let before = try Self.hostFiles(tree)
        let (first, applied) = try CMTuneBinary.json(["spread", "--root", tree.path, "--rps", "on"])
        #expect(first.status == 0)
        #expect(applied["status"] as? String == "applied")
        let (second, unchanged) = try CMTuneBinary.json(["spread", "--root", tree.path, "--rps", "on"])
        #expect(second.status == 0)
        #expect(unchanged["status"] as? String == "unchanged")
        #expect(unchanged["snapshot"] is NSNull)
        let restore = try CMTuneBinary.run(["restore", "--root", tree.path])
        #expect(restore.status == 0, "\(restore.error)")
        #expect(restore.output.hasPrefix("restored snapshot \(applied["snapshot"] as? String ?? "?")"))
        #expect(try Self.hostFiles(tree) == before)
        let again = try CMTuneBinary.run(["restore", "--root", tree.path])
        #expect(again.status == 2)
        #expect(again.error.contains("nothing to restore"))
    }

    @Test("the documented --exclude-cpus keeps IRQs off those CPUs; negative and malformed numbers are one-line refusals, exit 2")
    func excludeCPUs() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.fakeHost()
        let (dry, plan) = try CMTuneBinary.json(["spread", "--root", tree.path, "--exclude-cpus", "0-2", "--dry-run"])
        #expect(dry.status == 0, "\(dry.error)")
        let placements = plan["placements"] as? [[String: Any]] ?? []
        #expect(!placements.isEmpty)
        for placement in placements { #expect((placement["after"] as? [Int] ?? []).allSatisfy { $0 > 2 }) }
        for bad in [["--channels", "-2"], ["--rfs", "-5"], ["--cpus-for-irqs", "-1"], ["--cpus-for-irqs", "x"]] {
            let result = try CMTuneBinary.run(["spread", "--root", tree.path, "--dry-run"] + bad)
            #expect(result.status == 2, "\(bad): \(result.status) \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(bad): \(result.error)")
            #expect(result.error.contains(bad[0]), "\(bad): \(result.error)")
        }
    }

    @Test("--cpus-for-irqs 2 keeps IRQs and RPS on two CPUs and names the rest for the application")
    func cpusForIRQs() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.fakeHost()
        let (result, plan) = try CMTuneBinary.json(["spread", "--root", tree.path, "eth0", "--cpus-for-irqs", "2", "--rps", "on", "--dry-run"])
        #expect(result.status == 0, "\(result.error)")
        let application = try #require(plan["applicationCPUs"] as? [Int])
        let irqCPUs = Set((plan["placements"] as? [[String: Any]] ?? []).flatMap { $0["after"] as? [Int] ?? [] })
        #expect(irqCPUs.count == 2)
        #expect(Set(application).isDisjoint(with: irqCPUs))
        #expect(Set(application).union(irqCPUs) == Set(0..<8))
        for write in plan["writes"] as? [[String: Any]] ?? [] where write["kind"] as? String == "rps" {
            let mask = try CPUSet(parsingMask: write["new"] as? String ?? "")
            #expect(Set(mask).isSubset(of: irqCPUs), "RPS must stay on the IRQ CPUs: \(write)")
        }
    }

    @Test("a veth going from 1 to more channels: the writes of the apply are exactly the dry-run's, new queues included", .needsRoot)
    func dryRunIsTheApply() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let state = try TemporaryDirectory()
        try VethNamespace.with { namespace in
            try namespace.execChecked(["ethtool", "-L", "v0", "rx", "1", "tx", "1"])
            for policy in [["--rps", "auto"], ["--rps", "on"], ["--rps", "off", "--xps", "off"]] {
                let arguments = ["spread", "v0", "--state-dir", state.path, "--irqbalance", "ignore"] + policy
                let (dry, plan) = try CMTuneBinary.json(arguments + ["--dry-run"], namespace: namespace.name)
                #expect(dry.status == 0, "\(dry.error)")
                let (apply, result) = try CMTuneBinary.json(arguments, namespace: namespace.name)
                #expect(apply.status == 0, "\(apply.error)")
                func writes(_ list: Any?) -> [String] {
                    (list as? [[String: Any]] ?? []).map { "\($0["path"] as? String ?? "?") = \($0["new"] as? String ?? "?")" }
                }
                #expect(!writes(plan["writes"]).isEmpty || policy.contains("off"))
                #expect(writes(result["applied"]) == writes(plan["writes"]), "\(policy)")
                let planned = (plan["channels"] as? [[String: Any]] ?? []).map { "\($0["interface"] ?? "") \($0["rx"] ?? "") \($0["tx"] ?? "")" }
                let done = (result["appliedChannels"] as? [[String: Any]] ?? []).map { "\($0["interface"] ?? "") \($0["rx"] ?? "") \($0["tx"] ?? "")" }
                #expect(planned == done)
                let restore = try CMTuneBinary.run(["restore", "--state-dir", state.path], namespace: namespace.name)
                #expect(restore.status == 0, "\(restore.error)")
                #expect(EthtoolOutput.channels(try namespace.execChecked(["ethtool", "-l", "v0"])).rx == 1)
            }
        }
    }

    @Test("a veth in a namespace, channels raised then steering written: a signal after any step puts channels and files back", .needsRoot)
    func signalAfterChannelChange() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let state = try TemporaryDirectory()
        try VethNamespace.with { namespace in
            try namespace.execChecked(["ethtool", "-L", "v0", "rx", "1", "tx", "1"])
            let channels = try namespace.execChecked(["ethtool", "-l", "v0"])
            let files = try SpreadCommandTests.queueFiles(namespace, "v0")
            let arguments = ["spread", "v0", "--rps", "on", "--state-dir", state.path, "--irqbalance", "ignore"]
            let (_, plan) = try CMTuneBinary.json(arguments + ["--dry-run"], namespace: namespace.name)
            let steps = (plan["channels"] as? [Any] ?? []).count + (plan["writes"] as? [Any] ?? []).count
            #expect((plan["channels"] as? [Any] ?? []).count == 1)
            #expect(steps >= 4)
            for step in 1..<steps {
                let result = try namespace.exec(["env", "CMTUNE_TEST_SIGNAL_AFTER_STEP=\(step)", CMTuneBinary.path] + arguments)
                #expect(result.status == 130, "step \(step): \(result.error)")
                #expect(try namespace.execChecked(["ethtool", "-l", "v0"]) == channels, "step \(step)")
                #expect(try SpreadCommandTests.queueFiles(namespace, "v0") == files, "step \(step)")
            }
            // And uncut, it applies; restore gives the namespace back.
            #expect(try CMTuneBinary.run(arguments, namespace: namespace.name).status == 0)
            #expect(try CMTuneBinary.run(["restore", "--state-dir", state.path], namespace: namespace.name).status == 0)
            #expect(try namespace.execChecked(["ethtool", "-l", "v0"]) == channels)
            #expect(try SpreadCommandTests.queueFiles(namespace, "v0") == files)
        }
    }

    @Test("a spread made in namespace A is not restored from namespace B (same interface name, same state directory)", .needsRoot)
    func namespaces() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let state = try TemporaryDirectory()
        try VethNamespace.with { first in
            try VethNamespace.with { second in
                let filesA = try SpreadCommandTests.queueFiles(first, "v0")
                let filesB = try SpreadCommandTests.queueFiles(second, "v0")
                let spread = try CMTuneBinary.run(
                    ["spread", "v0", "--rps", "on", "--channels", "keep", "--state-dir", state.path, "--irqbalance", "ignore"], namespace: first.name)
                #expect(spread.status == 0, "\(spread.error)")
                let spreadA = try SpreadCommandTests.queueFiles(first, "v0")
                #expect(spreadA != filesA)

                let fromB = try CMTuneBinary.run(["restore", "--state-dir", state.path], namespace: second.name)
                #expect(fromB.status == 2)
                #expect(fromB.error.contains("no snapshot in force") && fromB.error.contains("ip netns \(first.name)"), "\(fromB.error)")
                let list = try CMTuneBinary.run(["restore", "--state-dir", state.path, "--list", "--json"], namespace: second.name)
                let id = try #require((try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])?.last?["id"] as? String)
                let named = try CMTuneBinary.run(["restore", "--state-dir", state.path, "--id", id], namespace: second.name)
                #expect(named.status == 2)
                #expect(named.error.contains("was taken in network namespace"))
                #expect(try SpreadCommandTests.queueFiles(second, "v0") == filesB)
                #expect(try SpreadCommandTests.queueFiles(first, "v0") == spreadA)

                let fromA = try CMTuneBinary.run(["restore", "--state-dir", state.path], namespace: first.name)
                #expect(fromA.status == 0, "\(fromA.error)")
                #expect(try SpreadCommandTests.queueFiles(first, "v0") == filesA)
            }
        }
    }
}
