import FoundationEssentials
import HostKit

/// `cmtune/snapshot.json`: when and where a snapshot was taken, so a copy analysed weeks later
/// on another machine still says which host and kernel it describes.
enum SnapshotMetadata {
    static let version = CMTune.version

    static func current(root: HostRoot) -> JSONValue {
        .object([
            ("takenAt", .string(Date.now.formatted(.iso8601))),
            ("hostname", .string(try? root.readIfPresent("proc/sys/kernel/hostname"))),
            ("kernel", .string(try? root.readIfPresent("proc/sys/kernel/osrelease"))),
            ("source", .string(root.path)),
            ("cmtuneVersion", .string(version)),
        ])
    }
}

extension String {
    var utf8Array: [UInt8] { Array(utf8) }
}
