import HostKit

/// What `spread` will change: channel counts first (they create or remove queues and IRQs),
/// then file writes, each with the value it replaces and why.
public struct SpreadPlan: Sendable, Equatable {
    public var channelChanges: [ChannelChange]
    public var writes: [PlannedWrite]
    /// Things deliberately left alone, and why (managed IRQs, files the kernel lacks here).
    public var skipped: [Skip]
    public var notes: [String]
    /// Reasons the plan must not be applied; empty when it may.
    public var refusals: [String]
    /// Where each queue vector goes, for the before/after view.
    public var placements: [Placement]

    public init(
        channelChanges: [ChannelChange] = [], writes: [PlannedWrite] = [], skipped: [Skip] = [], notes: [String] = [],
        refusals: [String] = [], placements: [Placement] = []
    ) {
        self.channelChanges = channelChanges
        self.writes = writes
        self.skipped = skipped
        self.notes = notes
        self.refusals = refusals
        self.placements = placements
    }

    public var isEmpty: Bool { channelChanges.isEmpty && writes.isEmpty }
}

/// One file to write.
public struct PlannedWrite: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case irqAffinity(irq: Int)
        case rps(interface: String, queue: Int)
        case rfsFlowCount(interface: String, queue: Int)
        case xps(interface: String, queue: Int)
        case sockFlowEntries
    }

    public var kind: Kind
    /// Path under the root: `proc/irq/38/smp_affinity_list`.
    public var path: String
    /// The value found, as read (without the trailing newline).
    public var old: String
    /// The value to write.
    public var new: String
    public var reason: String

    public init(kind: Kind, path: String, old: String, new: String, reason: String) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
        self.reason = reason
    }

    /// Whether `old` and `new` mean the same: masks and lists compare as CPU sets, numbers
    /// as numbers, so `00000003` and `3` are no change.
    public var isNoChange: Bool { Self.sameValue(old, new, kind: kind) }

    public static func sameValue(_ left: String, _ right: String, kind: Kind) -> Bool {
        switch kind {
        case .irqAffinity:
            return (try? CPUSet(parsingList: left)) == (try? CPUSet(parsingList: right))
        case .rps, .xps:
            return (try? CPUSet(parsingMask: left)) == (try? CPUSet(parsingMask: right))
        case .rfsFlowCount, .sockFlowEntries:
            return Int(left.trimmingCharacters()) == Int(right.trimmingCharacters())
        }
    }
}

/// A channel-count change through ethtool netlink (CHANNELS_SET).
public struct ChannelChange: Sendable, Equatable, Codable {
    public var interface: String
    public var ifindex: Int
    public var old: ChannelCounts
    /// The counts to set; nil fields are left as they are.
    public var rx: UInt32?
    public var tx: UInt32?
    public var combined: UInt32?
    public var reason: String

    public init(interface: String, ifindex: Int, old: ChannelCounts, rx: UInt32? = nil, tx: UInt32? = nil, combined: UInt32? = nil, reason: String) {
        self.interface = interface
        self.ifindex = ifindex
        self.old = old
        self.rx = rx
        self.tx = tx
        self.combined = combined
        self.reason = reason
    }
}

/// Where one queue vector (IRQ) is placed.
public struct Placement: Sendable, Equatable, Codable {
    public var interface: String
    public var queue: String
    public var irq: Int?
    public var before: CPUSet?
    public var after: CPUSet

    public init(interface: String, queue: String, irq: Int?, before: CPUSet?, after: CPUSet) {
        self.interface = interface
        self.queue = queue
        self.irq = irq
        self.before = before
        self.after = after
    }
}

/// Something `spread` leaves alone on purpose.
public struct Skip: Sendable, Equatable, Codable {
    public var subject: String
    public var reason: String

    public init(subject: String, reason: String) {
        self.subject = subject
        self.reason = reason
    }
}

extension String {
    func trimmingCharacters() -> String {
        split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
    }
}
