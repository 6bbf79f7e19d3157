import CMTuneTestSupport
import Foundation
import HostKit
import Testing

/// `spread --persist` leaves something a reboot can run, and `check` tells whether the host
/// still matches it.
@Suite("cmtune spread --persist and cmtune check", .serialized, .timeLimit(.minutes(3)))
struct PersistCheckTests {
    @Test(
        "persist from a build tree copies the binary the unit runs; check matches, sees a moved IRQ, matches again after a re-apply; --remove takes it all away"
    )
    func persistThenCheck() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = SpreadSafetyTests.fakeHost()
        let persist = try CMTuneBinary.run(["spread", "--root", tree.path, "eth0", "--rps", "on", "--persist"])
        #expect(persist.status == 0, "\(persist.error)")
        #expect(persist.error.contains("copied it to /usr/local/lib/cmtune/cmtune"), "\(persist.error)")
        let unit = try tree.root.read("etc/systemd/system/cmtune-spread.service")
        #expect(unit.contains("ExecStart=/usr/local/lib/cmtune/cmtune spread --policy-file /etc/cmtune/spread.json --quiet"))
        #expect(FileManager.default.isExecutableFile(atPath: tree.path + "/usr/local/lib/cmtune/cmtune"))
        let rule = try tree.root.read("etc/udev/rules.d/90-cmtune-spread.rules")
        #expect(rule.contains("KERNEL==\"eth0\"") && !rule.contains("KERNEL==\"*\""))

        let (matches, report) = try CMTuneBinary.json(["check", "--root", tree.path])
        #expect(matches.status == 0, "\(matches.error)")
        #expect(report["status"] as? String == "matches")

        // irqbalance, say, moves one queue IRQ back to CPU 0.
        let (_, nic) = try CMTuneBinary.json(["nic", "--root", tree.path, "eth0"])
        let irq = try #require((nic.interface("eth0")?["queues"] as? [[String: Any]])?.compactMap { $0["irq"] as? Int }.last)
        let moved = "proc/irq/\(irq)/smp_affinity_list"
        try tree.root.write(moved, "0\n")
        try tree.root.write("proc/irq/\(irq)/effective_affinity_list", "0\n")
        let (drift, differences) = try CMTuneBinary.json(["check", "--root", tree.path])
        #expect(drift.status == 1)
        #expect(differences["status"] as? String == "drift")
        let subjects = (differences["differences"] as? [[String: Any]] ?? []).compactMap { $0["subject"] as? String }
        #expect(subjects.contains { $0.hasSuffix("/" + moved) }, "\(subjects)")
        let text = try CMTuneBinary.run(["check", "--root", tree.path])
        #expect(text.status == 1)
        #expect(text.output.hasPrefix("DRIFT: 1 difference"), "\(text.output)")

        let reapply = try CMTuneBinary.run(["spread", "--root", tree.path, "--policy-file", tree.path + "/etc/cmtune/spread.json"])
        #expect(reapply.status == 0, "\(reapply.error)")
        #expect(try CMTuneBinary.run(["check", "--root", tree.path]).status == 0)

        let remove = try CMTuneBinary.run(["spread", "--root", tree.path, "--persist", "--remove"])
        #expect(remove.status == 0)
        #expect(!FileManager.default.fileExists(atPath: tree.path + "/usr/local/lib/cmtune/cmtune"))
        let nothing = try CMTuneBinary.run(["check", "--root", tree.path])
        #expect(nothing.status == 2)
        #expect(nothing.error.contains("nothing persisted to check against"))
    }

    @Test("--cpus-for-irqs with --app-unit writes a CPUAffinity drop-in for that unit; --remove deletes it")
    func applicationDropIn() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let tree = SpreadSafetyTests.fakeHost()
        let persist = try CMTuneBinary.run(["spread", "--root", tree.path, "eth0", "--cpus-for-irqs", "2", "--app-unit", "gocm", "--persist"])
        #expect(persist.status == 0, "\(persist.error)")
        #expect(persist.output.contains("application CPUs: 2-7"), "\(persist.output)")
        let dropIn = try tree.root.read("etc/systemd/system/gocm.service.d/90-cmtune-cpuaffinity.conf")
        #expect(dropIn.contains("[Service]\nCPUAffinity=2-7"))
        #expect(try CMTuneBinary.run(["spread", "--root", tree.path, "--persist", "--remove"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: tree.path + "/etc/systemd/system/gocm.service.d/90-cmtune-cpuaffinity.conf"))
        let bad = try CMTuneBinary.run(["spread", "--root", tree.path, "--cpus-for-irqs", "2", "--app-unit", "../../etc/passwd", "--dry-run"])
        #expect(bad.status == 2)
    }
}
