import HostKit

/// Everything one apply (`spread`, `sysctl --apply`) touched, as it was before and as the
/// apply left it: enough to put it back exactly, and to notice a value changed by hand since.
///
/// The snapshot is also the apply's journal: it is on disk, marked `applying`, before the first
/// byte changes, and marked `applied` (or `rolled-back`) when the apply ends. One still marked
/// `applying` whose process is gone was cut short (`kill -9`, power loss): the next `spread` or
/// `restore` rolls it back first.
public struct SpreadSnapshot: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Equatable, Codable {
        /// Written before the first change; the apply has not finished.
        case applying
        /// The apply finished; its values are in force until restored.
        case applied
        /// The apply failed or was interrupted and everything it wrote was put back.
        case rolledBack = "rolled-back"
        /// `cmtune restore` put it back.
        case restored
    }

    /// Which command made it.
    public enum Origin: String, Sendable, Equatable, Codable {
        case spread
        case sysctl
    }

    public struct SavedFile: Sendable, Equatable, Codable {
        /// Path under the root.
        public var path: String
        /// The exact bytes read before the write, as text (sysfs values are ASCII).
        public var content: String
        /// What the file read back after the apply's write; nil when it was not written (an
        /// interrupted apply) or in snapshots from before this was recorded.
        public var written: String?
        /// How to compare values of this file: masks and lists as CPU sets, numbers as numbers.
        public var kind: PlannedWrite.Kind?

        public init(path: String, content: String, written: String? = nil, kind: PlannedWrite.Kind? = nil) {
            self.path = path
            self.content = content
            self.written = written
            self.kind = kind
        }
    }

    public struct SavedChannels: Sendable, Equatable, Codable {
        public var interface: String
        public var ifindex: Int
        /// The counts before the change.
        public var counts: ChannelCounts
        /// The counts the apply set (nil in older snapshots).
        public var set: ChannelCounts?

        public init(interface: String, ifindex: Int, counts: ChannelCounts, set: ChannelCounts? = nil) {
            self.interface = interface
            self.ifindex = ifindex
            self.counts = counts
            self.set = set
        }
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

    /// A configuration file cmtune wrote (`/etc/sysctl.d/90-cmtune.conf`), as it was before.
    public struct SavedConfigFile: Sendable, Equatable, Codable {
        public var path: String
        /// nil: the file did not exist, and restore removes it.
        public var content: String?

        public init(path: String, content: String?) {
            self.path = path
            self.content = content
        }
    }

    public var id: String
    /// Orders snapshots: each apply takes the next number, whatever the clock says.
    public var sequence: Int
    public var createdAt: String
    public var host: HostIdentity
    public var root: String
    public var origin: Origin
    /// The policy of a `spread` apply.
    public var policy: SpreadPolicy?
    public var state: State
    /// The process that made it, for messages about an interrupted apply.
    public var pid: Int?
    /// In the order they were written; restore goes backwards.
    public var files: [SavedFile]
    public var channels: [SavedChannels]
    /// Queue files of queues that a channel decrease removed, to write after the channels are
    /// put back (the queues exist again only then).
    public var removedQueueFiles: [SavedFile]
    public var irqbalance: SavedIRQBalance?
    public var configFiles: [SavedConfigFile]
    public var restoredAt: String?
    /// Snapshots folded into this one by pruning: it then stands for all of them.
    public var folded: [String]
    /// How the apply ended, when it did not simply succeed (`interrupted by SIGINT`).
    public var note: String?

    public init(id: String, sequence: Int, createdAt: String, host: HostIdentity, root: String, origin: Origin = .spread, policy: SpreadPolicy?) {
        self.id = id
        self.sequence = sequence
        self.createdAt = createdAt
        self.host = host
        self.root = root
        self.origin = origin
        self.policy = policy
        state = .applying
        files = []
        channels = []
        removedQueueFiles = []
        configFiles = []
        folded = []
    }

    private enum CodingKeys: String, CodingKey {
        case id, sequence, createdAt, host, root, origin, policy, state, pid, files, channels, removedQueueFiles, irqbalance, configFiles, restoredAt,
            folded, note
    }

    /// Snapshots written before sequences and states existed load as finished applies, in
    /// their old (name) order before every new one.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        sequence = try container.decodeIfPresent(Int.self, forKey: .sequence) ?? 0
        createdAt = try container.decode(String.self, forKey: .createdAt)
        host = try container.decode(HostIdentity.self, forKey: .host)
        root = try container.decode(String.self, forKey: .root)
        origin = try container.decodeIfPresent(Origin.self, forKey: .origin) ?? .spread
        policy = try container.decodeIfPresent(SpreadPolicy.self, forKey: .policy)
        restoredAt = try container.decodeIfPresent(String.self, forKey: .restoredAt)
        state = try container.decodeIfPresent(State.self, forKey: .state) ?? (restoredAt == nil ? .applied : .restored)
        pid = try container.decodeIfPresent(Int.self, forKey: .pid)
        files = try container.decodeIfPresent([SavedFile].self, forKey: .files) ?? []
        channels = try container.decodeIfPresent([SavedChannels].self, forKey: .channels) ?? []
        removedQueueFiles = try container.decodeIfPresent([SavedFile].self, forKey: .removedQueueFiles) ?? []
        irqbalance = try container.decodeIfPresent(SavedIRQBalance.self, forKey: .irqbalance)
        configFiles = try container.decodeIfPresent([SavedConfigFile].self, forKey: .configFiles) ?? []
        folded = try container.decodeIfPresent([String].self, forKey: .folded) ?? []
        note = try container.decodeIfPresent(String.self, forKey: .note)
    }

    /// True when it changed nothing that is still in force.
    public var isFinished: Bool { state == .rolledBack || state == .restored }

    /// The interfaces it is about, for listings: the policy's, else those its files name.
    public var interfaces: [String] {
        if let named = policy?.interfaces, !named.isEmpty { return named }
        var names: [String] = []
        for file in files {
            let parts = file.path.split(separator: "/")
            if parts.count > 3, parts[0] == "sys", parts[2] == "net", !names.contains(String(parts[3])) { names.append(String(parts[3])) }
        }
        return names
    }

    /// Adds `newer`'s changes to this one, which then stands for both: a path already here keeps
    /// its oldest value and takes the newer written value, a new path comes with its old value.
    /// Pruning folds old links of a chain into its first so the state before cmtune survives.
    mutating func fold(_ newer: SpreadSnapshot) {
        for file in newer.files {
            if let index = files.firstIndex(where: { $0.path == file.path }) {
                files[index].written = file.written
            } else {
                files.append(file)
            }
        }
        for saved in newer.channels {
            if let index = channels.firstIndex(where: { $0.interface == saved.interface }) {
                channels[index].set = saved.set
            } else {
                channels.append(saved)
            }
        }
        for file in newer.removedQueueFiles where !removedQueueFiles.contains(where: { $0.path == file.path }) { removedQueueFiles.append(file) }
        for file in newer.configFiles where !configFiles.contains(where: { $0.path == file.path }) { configFiles.append(file) }
        if irqbalance == nil { irqbalance = newer.irqbalance }
        folded += newer.folded + [newer.id]
    }
}
