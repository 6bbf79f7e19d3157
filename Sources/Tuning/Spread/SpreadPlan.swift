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
    /// With `--cpus-for-irqs`: the CPUs left for the application (perftune's split), to pin a
    /// CM that is not ours with `taskset -c` or systemd's `CPUAffinity=`.
    public var applicationCPUs: CPUSet?

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
        /// The affinity of a queue vector that the plan's channel change creates: its IRQ number
        /// exists only once the driver has allocated it, so the apply finds it by its queue.
        case vectorAffinity(interface: String, queue: String)
        case rps(interface: String, queue: Int)
        case rfsFlowCount(interface: String, queue: Int)
        case xps(interface: String, queue: Int)
        case sockFlowEntries
        /// A kernel tunable `cmtune sysctl --apply` sets (`net.core.somaxconn`).
        case sysctl(name: String)
    }

    public var kind: Kind
    /// Path under the root: `proc/irq/38/smp_affinity_list`; for a `vectorAffinity` write,
    /// `proc/irq/?/smp_affinity_list` until the apply resolves it.
    public var path: String
    /// The value found, as read (without the trailing newline); empty for a file that the
    /// plan's channel change creates.
    public var old: String
    /// The value to write.
    public var new: String
    public var reason: String
    /// The queue vector an IRQ write serves (`eth0`, `rx/tx-3`): after a channel change the
    /// driver may hand out new IRQ numbers, and the queue is how the apply finds its IRQ again.
    public var vector: QueueVectorReference?
    /// True when the file exists only once the plan's channel change has made its queue or
    /// vector: `old` is then the kernel's default for a new queue, read again at apply time.
    public var followsChannelChange: Bool

    public init(
        kind: Kind, path: String, old: String, new: String, reason: String, vector: QueueVectorReference? = nil, followsChannelChange: Bool = false
    ) {
        self.kind = kind
        self.path = path
        self.old = old
        self.new = new
        self.reason = reason
        self.vector = vector
        self.followsChannelChange = followsChannelChange
    }

    /// Whether `old` and `new` mean the same: masks and lists compare as CPU sets, numbers
    /// as numbers, so `00000003` and `3` are no change.
    public var isNoChange: Bool { Self.sameValue(old, new, kind: kind) }

    public static func sameValue(_ left: String, _ right: String, kind: Kind) -> Bool {
        switch kind {
        case .irqAffinity, .vectorAffinity:
            return (try? CPUSet(parsingList: left)) == (try? CPUSet(parsingList: right))
        case .rps, .xps:
            return (try? CPUSet(parsingMask: left)) == (try? CPUSet(parsingMask: right))
        case .rfsFlowCount, .sockFlowEntries:
            return Int(left.trimmingCharacters()) == Int(right.trimmingCharacters())
        case .sysctl:
            return left.trimmingCharacters() == right.trimmingCharacters()
        }
    }

    /// The IRQ this write sets, when it is an IRQ affinity with a known number.
    public var irq: Int? {
        if case .irqAffinity(let irq) = kind { return irq }
        return nil
    }
}

/// A queue vector by its interface and queue label (`rx/tx-3`, `rx-0`): stable across a
/// channel change, unlike the IRQ number behind it.
public struct QueueVectorReference: Sendable, Equatable, Hashable, Codable {
    public var interface: String
    public var queue: String

    public init(interface: String, queue: String) {
        self.interface = interface
        self.queue = queue
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
