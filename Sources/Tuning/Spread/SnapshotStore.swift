import FoundationEssentials
import HostKit

/// The directory of saved snapshots (`/var/lib/cmtune/snapshots` by default), one JSON file
/// each, named `SEQUENCE-TIME.json` so that `ls` shows them in the order they were made.
///
/// Order comes from the sequence number, never from the clock: two applies in one second, or a
/// clock stepped back by NTP, cannot swap. The snapshots of one root and network namespace that
/// are in force (applied, not restored) form its *chain*: restoring the chain, newest first,
/// gives back the state before the first of them, which is what `cmtune restore` does.
public struct SnapshotStore: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Snapshot files kept: finished ones go first, then old links of a chain are folded into
    /// its first, which is never removed (it holds the state from before cmtune).
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

    /// One file of the directory, read or not.
    public struct Entry: Sendable {
        public var id: String
        public var snapshot: SpreadSnapshot?
        public var problem: StoreError?
    }

    public func path(of id: String) -> String { "\(directory)/\(id).json" }

    /// A new snapshot's id: the sequence, zero-padded so names sort, then the UTC time.
    public static func makeID(sequence: Int, date: Date) -> String {
        let digits = String(sequence)
        let stamp = date.formatted(.iso8601).filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "-" + stamp
    }

    /// The sequence in an id (`000017-...`); nil for ids from before sequences.
    static func sequence(ofID id: String) -> Int? {
        let head = id.prefix { $0 != "-" }
        guard head.count >= 6, head.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(head)
    }

    /// The number the next snapshot takes. Callers hold the `StateLock`, so no other process
    /// takes the same one.
    public func nextSequence() -> Int {
        (ids().compactMap(Self.sequence(ofID:)).max() ?? 0) + 1
    }

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
    }

    public func load(id: String) throws(StoreError) -> SpreadSnapshot {
        let path = path(of: id)
        let bytes: [UInt8]
        do {
            bytes = try StateFiles.read(path)
        } catch  where error.isMissing {
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

    /// Snapshot ids, oldest first: by sequence; ids from before sequences first, by name.
    public func ids() -> [String] {
        let names = (try? HostRoot(directory).list("")) ?? []
        let ids = names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.map { String($0.dropLast(5)) }
        return ids.sorted { left, right in
            switch (Self.sequence(ofID: left), Self.sequence(ofID: right)) {
            case (let l?, let r?): return l != r ? l < r : left < right
            case (nil, _?): return true
            case (_?, nil): return false
            case (nil, nil): return left < right
            }
        }
    }

    /// Every snapshot file, oldest first, with the reason it could not be read.
    public func entries() -> [Entry] {
        ids().map { id in
            do throws(StoreError) {
                return Entry(id: id, snapshot: try load(id: id))
            } catch {
                return Entry(id: id, problem: error)
            }
        }
    }

    public func latest() throws(StoreError) -> SpreadSnapshot {
        guard let id = ids().last else { throw .empty(directory: directory) }
        return try load(id: id)
    }

    /// Whether `snapshot` describes `root` as it is now: same root, machine and namespace.
    static func belongs(_ snapshot: SpreadSnapshot, to root: HostRoot, identity: HostIdentity) -> Bool {
        snapshot.root == root.path && snapshot.host.isSameMachine(as: identity) && snapshot.host.isSameNamespace(as: identity)
    }

    /// The snapshots in force for this root and namespace, oldest first: restoring them newest
    /// first gives back the state before the oldest. A corrupt file stops the reading: what it
    /// held cannot be known, so it is an error, not a gap.
    public func chain(root: HostRoot, identity: HostIdentity) throws(StoreError) -> [SpreadSnapshot] {
        var chain: [SpreadSnapshot] = []
        for entry in entries() {
            if let problem = entry.problem { throw problem }
            guard let snapshot = entry.snapshot, snapshot.state == .applied, Self.belongs(snapshot, to: root, identity: identity) else { continue }
            chain.append(snapshot)
        }
        return chain
    }

    /// Applies cut short for this root: still marked `applying`. Only meaningful while holding
    /// the `StateLock` (then no live process is applying them).
    public func interrupted(root: HostRoot, identity: HostIdentity) -> [SpreadSnapshot] {
        entries().compactMap(\.snapshot).filter { $0.state == .applying && $0.root == root.path && $0.host.isSameMachine(as: identity) }
    }

    /// Keeps the directory at `retained` files: removes finished snapshots oldest first, then
    /// folds the second link of the longest chain into its first. Returns what it did.
    @discardableResult
    public func prune(retaining limit: Int = retained) -> [String] {
        var actions: [String] = []
        var readable = entries().compactMap(\.snapshot)
        var count = ids().count
        for snapshot in readable where count > limit && snapshot.isFinished {
            if StateFiles.remove(path(of: snapshot.id)) {
                count -= 1
                actions.append("removed finished snapshot \(snapshot.id)")
            }
        }
        readable.removeAll { !StateFiles.exists(path(of: $0.id)) }
        while count > limit {
            // Chains by root and namespace; fold in the longest so each keeps its history longest.
            var chains: [String: [SpreadSnapshot]] = [:]
            for snapshot in readable where snapshot.state == .applied {
                chains["\(snapshot.root)|\(snapshot.host.networkNamespace?.identifier ?? "")|\(snapshot.host.machineID ?? "")", default: []].append(snapshot)
            }
            guard let longest = chains.values.max(by: { $0.count < $1.count }), longest.count >= 2 else { break }
            var base = longest[0]
            base.fold(longest[1])
            do {
                try save(base)
            } catch {
                break
            }
            StateFiles.remove(path(of: longest[1].id))
            readable.removeAll { $0.id == longest[1].id }
            if let index = readable.firstIndex(where: { $0.id == base.id }) { readable[index] = base }
            count -= 1
            actions.append("folded snapshot \(longest[1].id) into \(base.id)")
        }
        return actions
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
