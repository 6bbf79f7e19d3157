import FoundationEssentials

/// Netlink facts saved in a snapshot (`cmtune/device-facts.json`), so `--root DIR` shows
/// channels, rings, coalescing, RSS and NAPI links offline, as they were when it was taken.
public struct StoredDeviceFacts: DeviceFactsSource {
    public static let path = "cmtune/device-facts.json"

    public let facts: [String: DeviceFacts]
    let root: String

    /// Loads the file under `root`; nil when the tree has none (a fixture, an old snapshot).
    public static func load(from root: HostRoot) throws(HostError) -> StoredDeviceFacts? {
        let bytes: [UInt8]
        do {
            bytes = try root.readBytes(path)
        } catch  where error.isMissing {
            return nil
        }
        do {
            let list = try JSONDecoder().decode([DeviceFacts].self, from: Data(bytes))
            return StoredDeviceFacts(facts: Dictionary(list.map { ($0.interface, $0) }, uniquingKeysWith: { first, _ in first }), root: root.path)
        } catch {
            throw HostError(.read, path: root.absolute(path), errno: .invalidArgument)
        }
    }

    public func facts(interface: String, ifindex: Int) -> DeviceFacts {
        if let stored = facts[interface] { return stored }
        let missing = DeviceQueryFailure(call: "snapshot \(root)", message: "no netlink facts recorded for \(interface)")
        return DeviceFacts(
            interface: interface, ifindex: ifindex, channels: .failed(missing), rings: .failed(missing), coalescing: .failed(missing),
            rss: .failed(missing), queues: .failed(missing), napis: .failed(missing))
    }

    /// Encodes facts for a snapshot, sorted by interface so snapshots diff cleanly.
    public static func encode(_ facts: [DeviceFacts]) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let sorted = facts.sorted { $0.interface < $1.interface }
        return (try? Array(encoder.encode(sorted))) ?? Array("[]".utf8)
    }
}
