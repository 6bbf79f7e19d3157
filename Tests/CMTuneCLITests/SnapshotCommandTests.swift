import CMTuneTestSupport
import Foundation
import Testing

@Suite("cmtune snapshot", .timeLimit(.minutes(3)))
struct SnapshotCommandTests {
    @Test("a snapshot of this host analysed with --root shows the same NICs, queues, IRQs and channels")
    func liveRoundTrip() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let directory = try TemporaryDirectory()
        let target = directory.path + "/snap"
        let snapshot = try CMTuneBinary.run(["snapshot", "-o", target])
        #expect(snapshot.status == 0, "\(snapshot.error)")
        #expect(FileManager.default.fileExists(atPath: target + "/proc/interrupts"))
        #expect(FileManager.default.fileExists(atPath: target + "/cmtune/device-facts.json"))

        let (_, live) = try CMTuneBinary.json(["nic"])
        let (offlineResult, offline) = try CMTuneBinary.json(["nic", "--root", target])
        #expect(offlineResult.status == 0, "\(offlineResult.error)")
        #expect(live.interfaces().map { $0["name"] as? String } == offline.interfaces().map { $0["name"] as? String })
        for (a, b) in zip(live.interfaces(), offline.interfaces()) {
            for key in ["driver", "busID", "pciAddress", "rxQueueCount", "txQueueCount"] {
                #expect(String(describing: a[key]) == String(describing: b[key]), "\(key)")
            }
            // Affinity is left out: other suites (spread) may move an IRQ between the two readings.
            let liveQueues = (a["queues"] as? [[String: Any]] ?? []).map { "\($0["kind"]!)-\($0["index"]!) irq \($0["irq"]!) \($0["irqName"]!)" }
            let offlineQueues = (b["queues"] as? [[String: Any]] ?? []).map { "\($0["kind"]!)-\($0["index"]!) irq \($0["irq"]!) \($0["irqName"]!)" }
            #expect(liveQueues == offlineQueues)
            #expect((a["channels"] as? NSDictionary) == (b["channels"] as? NSDictionary))
        }
        // A second snapshot replaces the first; a directory that is not a snapshot is refused.
        let again = try CMTuneBinary.run(["snapshot", "-o", target])
        #expect(again.status == 0, "\(again.error)")
        #expect(FileManager.default.fileExists(atPath: target + "/cmtune/snapshot.json"))
        try directory.write("other/notes.txt", "keep me")
        let refused = try CMTuneBinary.run(["snapshot", "-o", directory.path + "/other"])
        #expect(refused.status == 2)
        #expect(refused.error.contains("not a cmtune snapshot"))
        #expect(FileManager.default.fileExists(atPath: directory.path + "/other/notes.txt"))
    }
}
