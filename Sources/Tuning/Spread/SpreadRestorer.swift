import FoundationEssentials
import HostKit

/// Puts a snapshot's values back, byte for byte: files newest first, then channel counts,
/// then irqbalance. Refuses, before writing anything, a snapshot from another machine or
/// another root, and one from an earlier boot unless forced (IRQ numbers change at boot).
public struct SpreadRestorer: Sendable {
    public let root: HostRoot
    public let store: SnapshotStore
    public let channelControl: (any ChannelControl)?
    public let services: (any ServiceManager)?

    public init(root: HostRoot, store: SnapshotStore, channelControl: (any ChannelControl)?, services: (any ServiceManager)?) {
        self.root = root
        self.store = store
        self.channelControl = channelControl
        self.services = services
    }

    public struct Outcome: Sendable, Equatable {
        public var snapshotID: String
        public var restoredFiles: [String] = []
        public var restoredChannels: [String] = []
        public var irqbalance: String?
        /// Files that read back different from the saved bytes after the write.
        public var mismatches: [String] = []
        public var problems: [String] = []
        /// Reasons nothing was written.
        public var refusals: [String] = []
        public var previouslyRestoredAt: String?

        public var succeeded: Bool { refusals.isEmpty && problems.isEmpty && mismatches.isEmpty }
    }

    /// Why `snapshot` must not be written here; empty when it may.
    public func refusals(for snapshot: SpreadSnapshot, force: Bool) -> [String] {
        var reasons: [String] = []
        let here = HostIdentity.read(from: root)
        if !snapshot.host.isSameMachine(as: here) {
            reasons.append(
                "snapshot \(snapshot.id) was taken on \(snapshot.host.hostname ?? "another host") (machine id \(snapshot.host.machineID ?? "?")), this is \(here.hostname ?? "?") (\(here.machineID ?? "?"))")
        }
        if snapshot.root != root.path {
            reasons.append("snapshot \(snapshot.id) was taken under root \(snapshot.root), not \(root.path)")
        }
        let touchesIRQs = snapshot.files.contains { $0.path.hasPrefix("proc/irq/") }
        if !force, touchesIRQs, let then = snapshot.host.bootID, let now = here.bootID, then != now {
            reasons.append("snapshot \(snapshot.id) is from an earlier boot: IRQ numbers may now belong to other devices (use --force to restore anyway)")
        }
        return reasons
    }

    public func restore(_ snapshot: SpreadSnapshot, force: Bool = false, now: Date = .now) -> Outcome {
        var outcome = Outcome(snapshotID: snapshot.id)
        outcome.previouslyRestoredAt = snapshot.restoredAt
        outcome.refusals = refusals(for: snapshot, force: force)
        guard outcome.refusals.isEmpty else { return outcome }

        // Files, newest first: a file written twice ends with its oldest saved bytes.
        for saved in snapshot.files.reversed() {
            do {
                try root.write(saved.path, saved.content)
                outcome.restoredFiles.append(saved.path)
            } catch {
                outcome.problems.append("\(error.path): \(error.errno.plainDescription)")
            }
        }
        var checked = Set<String>()
        for saved in snapshot.files where checked.insert(saved.path).inserted {
            // The first save of a path holds its value from before the apply.
            guard outcome.restoredFiles.contains(saved.path), let bytes = try? root.readBytes(saved.path) else { continue }
            if String(decoding: bytes, as: UTF8.self) != saved.content {
                outcome.mismatches.append("\(root.absolute(saved.path)) reads '\(String(decoding: bytes, as: UTF8.self).trimmingNewline())', saved '\(saved.content.trimmingNewline())'")
            }
        }
        for saved in snapshot.channels {
            guard let control = channelControl else {
                outcome.problems.append("cannot restore the channels of \(saved.interface): no ethtool netlink for this root")
                continue
            }
            let combined = (saved.counts.maxCombined ?? 0) > 0
            if let problem = control.setChannels(
                interface: saved.interface, ifindex: saved.ifindex, rx: combined ? nil : saved.counts.rx, tx: combined ? nil : saved.counts.tx,
                combined: combined ? saved.counts.combined : nil)
            {
                outcome.problems.append(problem.description)
            } else {
                outcome.restoredChannels.append(saved.interface)
            }
        }
        if let irqbalance = snapshot.irqbalance {
            let problems = IRQBalanceCoordinator(root: root, services: services).restore(irqbalance)
            outcome.problems += problems
            outcome.irqbalance = problems.isEmpty ? "irqbalance put back (\(irqbalance.action) undone)" : nil
        }
        var marked = snapshot
        marked.restoredAt = now.formatted(.iso8601)
        try? store.save(marked)
        return outcome
    }
}

extension String {
    func trimmingNewline() -> String {
        var copy = self
        while copy.hasSuffix("\n") { copy.removeLast() }
        return copy
    }
}
