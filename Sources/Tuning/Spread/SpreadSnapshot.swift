import FoundationEssentials
import HostKit

/// Everything one `spread` apply touched, as it was before: enough to put it back exactly.
public struct SpreadSnapshot: Sendable, Equatable, Codable {
    public struct SavedFile: Sendable, Equatable, Codable {
        /// Path under the root.
        public var path: String
        /// The exact bytes read before the write, as text (sysfs values are ASCII).
        public var content: String
    }

    public struct SavedChannels: Sendable, Equatable, Codable {
        public var interface: String
        public var ifindex: Int
        public var counts: ChannelCounts
    }

    /// irqbalance as it was, when `spread` stopped it or changed its configuration.
    public struct SavedIRQBalance: Sendable, Equatable, Codable {
        public var action: String
        public var wasActive: Bool
        public var wasEnabled: Bool
        /// The configuration file and its previous content (nil: it did not exist).
        public var configPath: String?
        public var configContent: String?
        /// Its command line, to start it again where systemd does not run it.
        public var command: [String]?
    }

    public var id: String
    public var createdAt: String
    public var host: HostIdentity
    public var root: String
    public var policy: SpreadPolicy
    /// In the order they were written; restore goes backwards.
    public var files: [SavedFile]
    public var channels: [SavedChannels]
    public var irqbalance: SavedIRQBalance?
    public var restoredAt: String?

    public init(id: String, createdAt: String, host: HostIdentity, root: String, policy: SpreadPolicy) {
        self.id = id
        self.createdAt = createdAt
        self.host = host
        self.root = root
        self.policy = policy
        files = []
        channels = []
    }
}

/// The directory of saved snapshots (`/var/lib/cmtune/snapshots` by default), one JSON file
/// each, named by id so the newest sorts last.
public struct SnapshotStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Snapshots kept; older ones are removed after a new one is saved.
    public static let retained = 50

    public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case corrupt(path: String, reason: String)
        case notFound(id: String, directory: String)
        case empty(directory: String)
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "cannot read snapshot \(path): \(reason)"
            case .corrupt(let path, let reason): return "snapshot \(path) is corrupt (\(reason)); nothing was written"
            case .notFound(let id, let directory): return "no snapshot '\(id)' in \(directory) (see 'cmtune restore --list')"
            case .empty(let directory): return "no snapshots in \(directory): nothing to restore"
            case .unwritable(let path, let reason): return "cannot save snapshot \(path): \(reason); nothing was written"
            }
        }
    }

    public func path(of id: String) -> String { "\(directory)/\(id).json" }

    /// Saves atomically (write a temporary file, rename), so a crash leaves the old or the new.
    public func save(_ snapshot: SpreadSnapshot) throws(StoreError) {
        let path = path(of: snapshot.id)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(snapshot) else { throw .unwritable(path: path, reason: "cannot encode") }
        do {
            try StateFiles.makeDirectories(directory)
            try StateFiles.writeAtomically(Array(data), to: path)
        } catch {
            throw .unwritable(path: path, reason: error.errno.plainDescription)
        }
        prune()
    }

    public func load(id: String) throws(StoreError) -> SpreadSnapshot {
        let path = path(of: id)
        let bytes: [UInt8]
        do {
            bytes = try HostRoot("/").readBytes(String(path.dropFirst()))
        } catch where error.isMissing {
            throw .notFound(id: id, directory: directory)
        } catch {
            throw .unreadable(path: path, reason: error.errno.plainDescription)
        }
        do {
            return try JSONDecoder().decode(SpreadSnapshot.self, from: Data(bytes))
        } catch {
            throw .corrupt(path: path, reason: Self.reason(error))
        }
    }

    /// Snapshot ids, oldest first.
    public func ids() -> [String] {
        let names = (try? HostRoot(directory).list("")) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func latest() throws(StoreError) -> SpreadSnapshot {
        guard let id = ids().last else { throw .empty(directory: directory) }
        return try load(id: id)
    }

    private func prune() {
        let all = ids()
        guard all.count > Self.retained else { return }
        for id in all.prefix(all.count - Self.retained) { StateFiles.remove(path(of: id)) }
    }

    private static func reason(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return "not valid JSON: \(context.debugDescription)"
            case .keyNotFound(let key, _): return "missing '\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return "bad value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
            @unknown default: return "undecodable"
            }
        }
        return "\(error)"
    }
}
