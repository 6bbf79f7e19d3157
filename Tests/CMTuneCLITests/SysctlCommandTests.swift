import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// `cmtune sysctl`: advice safe for this host, applied as a transaction, persisted, undone.
@Suite("cmtune sysctl", .serialized, .timeLimit(.minutes(3)))
struct SysctlCommandTests {
    /// A host with a CM's limits below the floors, two listeners in the ephemeral range, and a
    /// running `cmtune cm serve` with 20,000 open files.
    static func host() -> FixtureTree {
        let tree = SpreadSafetyTests.fakeHost()
        let values = [
            "fs/file-max": "800000", "fs/nr_open": "1048576", "net/core/somaxconn": "4096", "net/ipv4/tcp_max_syn_backlog": "2048",
            "net/core/netdev_max_backlog": "1000", "net/ipv4/ip_local_port_range": "32768\t60999", "net/ipv4/ip_local_reserved_ports": "",
        ]
        for (path, value) in values { tree.write("proc/sys/\(path)", value) }
        // Listeners on 7000 (inside the range once widened) and 40000 (inside it now).
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        let rows = [
            "   0: 00000000:1B58 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0\n",
            "   1: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0\n",
        ]
        tree.write("proc/net/tcp", header + rows.joined(), newline: false)
        tree.write("proc/4242/comm", "cmtune")
        tree.write("proc/4242/cmdline", "/usr/local/bin/cmtune\u{0}cm\u{0}serve\u{0}--max-connections\u{0}100000\u{0}", newline: false)
        tree.write(
            "proc/4242/limits",
            "Limit                     Soft Limit           Hard Limit           Units     \nMax open files            20000                20000                files     \n",
            newline: false)
        tree.write("proc/4242/cgroup", "0::/system.slice/cm.service\n", newline: false)
        tree.write("etc/systemd/system/cm.service", "[Service]\nExecStart=/usr/local/bin/cmtune cm serve\nLimitNOFILE=65536\n", newline: false)
        return tree
    }

    @Test("the advice reserves the listening ports in the new range and names the CM's unit and process limits")
    func advice() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.host()
        let (result, document) = try CMTuneBinary.json(["sysctl", "--root", tree.path])
        #expect(result.status == 0, "\(result.error)")
        #expect(document["status"] as? String == "advice")
        let items = document["items"] as? [[String: Any]] ?? []
        let byName = Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["name"] as? String).map { ($0, item) } })
        #expect(byName["net.ipv4.ip_local_port_range"]?["recommended"] as? String == "1024 65535")
        #expect(byName["net.ipv4.ip_local_reserved_ports"]?["recommended"] as? String == "7000,40000")
        let nofile = try #require(byName["fs.nr_open"]?["context"] as? String)
        #expect(nofile.contains("process 4242 (cmtune) has 20,000 open files"))
        #expect(nofile.contains("unit cm.service has 65,536 open files"))
        #expect(nofile.contains("below the 100,000 connections it should hold"))
        let companions = byName["fs.nr_open"]?["companionCommands"] as? [String] ?? []
        #expect(companions.contains { $0.hasPrefix("systemctl edit cm.service") })
        let managers = document["connectionManagers"] as? [[String: Any]] ?? []
        #expect(managers.first?["pid"] as? Int == 4242 && managers.first?["connectionTarget"] as? Int == 100_000)
        #expect(try CMTuneBinary.run(["sysctl", "--root", tree.path, "--ports", "0,70000"]).status == 2)
        #expect(try CMTuneBinary.run(["sysctl", "--root", tree.path, "--persist"]).status == 2)
    }

    @Test("--apply --persist writes every value and the sysctl.d file, read back; restore puts back the values and removes the file")
    func applyPersistRestore() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.host()
        let before = try SpreadSafetyTests.hostFiles(tree)
        let (apply, result) = try CMTuneBinary.json(["sysctl", "--root", tree.path, "--apply", "--persist"])
        #expect(apply.status == 0, "\(apply.error)")
        #expect(result["status"] as? String == "applied")
        #expect(try tree.root.read("proc/sys/net/core/somaxconn") == "65535")
        #expect(try tree.root.read("proc/sys/net/ipv4/ip_local_reserved_ports") == "7000,40000")
        let persisted = try tree.root.read("etc/sysctl.d/90-cmtune.conf")
        #expect(persisted.contains("net.core.somaxconn = 65535"))
        #expect(persisted.contains("net.ipv4.ip_local_port_range = 1024 65535"))
        #expect(try CMTuneBinary.run(["check", "--root", tree.path]).status == 0)

        // Nothing left to do: no second snapshot.
        let (again, unchanged) = try CMTuneBinary.json(["sysctl", "--root", tree.path, "--apply", "--persist"])
        #expect(again.status == 0)
        #expect(unchanged["status"] as? String == "unchanged", "\(unchanged)")

        let restore = try CMTuneBinary.run(["restore", "--root", tree.path])
        #expect(restore.status == 0, "\(restore.error)")
        #expect(try SpreadSafetyTests.hostFiles(tree) == before)
        #expect(!tree.root.exists("etc/sysctl.d/90-cmtune.conf"))
    }

    @Test("SIGTERM after the second write: every tunable and the file are as before, exit 143")
    func interrupted() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = Self.host()
        let before = try SpreadSafetyTests.hostFiles(tree)
        let result = try SpreadSafetyTests.withSignal("2:TERM", ["sysctl", "--root", tree.path, "--apply", "--persist"])
        #expect(result.status == 143, "\(result.error)")
        #expect(result.output.contains("INTERRUPTED"))
        #expect(try SpreadSafetyTests.hostFiles(tree) == before)
    }
}
