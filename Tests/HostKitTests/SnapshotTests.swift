import CMTuneTestSupport
import HostKit
import Testing

@Suite("Snapshot")
struct SnapshotTests {
    @Test("a snapshot of what was read gives back the same inventory")
    func roundTrip() throws {
        let source = FixtureTree()
        var host = SyntheticHost.healthy()
        host.nics[0].rps = { _ in [6, 7] }
        host.write(to: source)
        let recorder = AccessRecorder()
        let original = HostInventory.read(from: HostRoot(source.path, recorder: recorder), selection: .all, irqScope: .all)
        let copy = FixtureTree()
        let summary = try HostSnapshot(source: source.root, destination: copy.path).copy(recorder.accesses)
        #expect(summary.files > 50)
        #expect(summary.links >= 5)
        #expect(summary.skipped.isEmpty, "\(summary.skipped)")
        var copied = HostInventory.read(from: copy.root, selection: .all, irqScope: .all)
        copied.root = original.root
        #expect(copied == original)
        #expect(copied.interfaces.first?.queues.first?.rpsCPUs == [6, 7])
    }

    @Test("netlink facts stored in a snapshot come back for --root")
    func storedFacts() throws {
        let tree = FixtureTree()
        let facts = [
            DeviceFacts(
                interface: "eth0", ifindex: 3, channels: .value(ChannelCounts(maxCombined: 8, combined: 4)), rings: .notSupported,
                rss: .failed(DeviceQueryFailure(call: "ethtool RSS_GET eth0", errno: 1, libnlCode: 28, message: "not permitted")))
        ]
        try HostSnapshot(source: HostRoot(), destination: tree.path).store(StoredDeviceFacts.encode(facts), at: StoredDeviceFacts.path)
        let stored = try #require(try StoredDeviceFacts.load(from: tree.root))
        #expect(stored.facts(interface: "eth0", ifindex: 3) == facts[0])
        if case .failed(let failure) = stored.facts(interface: "eth9", ifindex: 9).channels {
            #expect(failure.message.contains("eth9"))
        } else {
            Issue.record("an interface missing from the snapshot must not look supported or unsupported")
        }
        #expect(try StoredDeviceFacts.load(from: FixtureTree().root) == nil)
    }
}
