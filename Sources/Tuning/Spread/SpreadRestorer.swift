import FoundationEssentials
import HostKit

/// Puts snapshots back, byte for byte: by default the whole chain in force for this root and
/// network namespace (the state before the first `spread`), or back to before one snapshot.
///
/// It refuses, before writing anything: a snapshot from another machine, root or network
/// namespace (unless told), one from an earlier boot that touches IRQs (unless forced: IRQ
/// numbers change at boot), and one naming any file outside the trees cmtune writes. A value
/// changed by hand since the apply is shown and kept unless forced.
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

    public struct Options: Sendable {
        /// Overwrite values changed by hand since the apply, restore across a reboot, restore a
        /// snapshot already restored.
        public var force: Bool
        /// Restore a snapshot taken in another network namespace.
        public var otherNamespace: Bool

        public init(force: Bool = false, otherNamespace: Bool = false) {
            self.force = force
            self.otherNamespace = otherNamespace
        }
    }

    public struct Outcome: Sendable, Equatable {
        /// The snapshots put back, newest first.
        public var snapshotIDs: [String] = []
        public var restoredFiles: [String] = []
        public var restoredChannels: [String] = []
        public var restoredConfigFiles: [String] = []
        public var irqbalance: String?
        /// Values changed by hand since the apply, kept (without --force).
        public var handChanged: [String] = []
        /// Files that read back different from the saved bytes after the write.
        public var mismatches: [String] = []
        public var problems: [String] = []
        /// Reasons nothing was written.
        public var refusals: [String] = []
        public var notes: [String] = []

        public init() {}

        public var succeeded: Bool { refusals.isEmpty && problems.isEmpty && mismatches.isEmpty && handChanged.isEmpty }
    }

    /// What to restore.
    public enum Selection: Sendable, Equatable {
        /// Every snapshot in force for this root and namespace: back to the state before cmtune.
        case chain
        /// Back to the state before snapshot `id`: it and the newer snapshots of its chain.
        case before(id: String)
    }

    /// Why there is nothing to restore.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    /// The snapshots `selection` names, oldest first, or why there is nothing to restore.
    public func select(_ selection: Selection, options: Options = Options()) -> Result<[SpreadSnapshot], Refusal> {
        let here = HostIdentity.read(from: root)
        func refused(_ reason: String) -> Result<[SpreadSnapshot], Refusal> { .failure(Refusal(reason: reason)) }
        let entries = store.entries()
        if let corrupt = entries.first(where: { $0.problem != nil })?.problem {
            return refused("\(corrupt)")
        }
        let all = entries.compactMap(\.snapshot)
        switch selection {
        case .chain:
            let chain = all.filter { $0.state == .applied && SnapshotStore.belongs($0, to: root, identity: here) }
            guard chain.isEmpty else { return .success(chain) }
            if all.isEmpty { return refused(SnapshotStore.StoreError.empty(directory: store.directory).description) }
            let elsewhere = all.filter { $0.state == .applied && !SnapshotStore.belongs($0, to: root, identity: here) }
            if let other = elsewhere.last {
                return refused(
                    "no snapshot in force for \(root.path) in this network namespace (\(here.namespaceDescription)); "
                        + "\(Plural.count(elsewhere.count, "snapshot")) in force elsewhere, the newest \(other.id) from \(other.host.namespaceDescription) under root \(other.root) "
                        + "(restore it with --id \(other.id) --other-namespace, from there)")
            }
            return refused("nothing to restore: every snapshot in \(store.directory) has been restored or rolled back (see 'cmtune restore --list')")
        case .before(let id):
            guard let target = all.first(where: { $0.id == id }) else {
                return refused(SnapshotStore.StoreError.notFound(id: id, directory: store.directory).description)
            }
            switch target.state {
            case .rolledBack:
                return refused("snapshot \(id) was rolled back when its apply \(target.note.map { "ended (\($0))" } ?? "failed"); nothing of it is in force")
            case .applying:
                return refused("snapshot \(id) belongs to an apply still running or cut short; run 'cmtune restore' again once it has ended")
            case .restored where !options.force:
                return refused("snapshot \(id) was already restored at \(target.restoredAt ?? "an earlier time"); --force writes its saved values again")
            case .restored, .applied:
                break
            }
            // It and what came after it in its own chain (its root, machine and namespace).
            let chain = all.filter { snapshot in
                snapshot.sequence >= target.sequence && (snapshot.id == id || snapshot.state == .applied)
                    && snapshot.root == target.root && snapshot.host.isSameMachine(as: target.host) && snapshot.host.isSameNamespace(as: target.host)
            }
            return .success(chain.sorted { ($0.sequence, $0.id) < ($1.sequence, $1.id) })
        }
    }

    /// Why `snapshots` must not be written here; empty when they may.
    public func refusals(for snapshots: [SpreadSnapshot], options: Options) -> [String] {
        var reasons: [String] = []
        let here = HostIdentity.read(from: root)
        for snapshot in snapshots {
            if !snapshot.host.isSameMachine(as: here) {
                reasons.append(
                    "snapshot \(snapshot.id) was taken on \(snapshot.host.hostname ?? "another host") (machine id \(snapshot.host.machineID ?? "?")), this is \(here.hostname ?? "?") (\(here.machineID ?? "?"))"
                )
            }
            if snapshot.root != root.path {
                reasons.append("snapshot \(snapshot.id) was taken under root \(snapshot.root), not \(root.path)")
            }
            if !options.otherNamespace, !snapshot.host.isSameNamespace(as: here) {
                reasons.append(
                    "snapshot \(snapshot.id) was taken in network namespace \(snapshot.host.namespaceDescription), this is \(here.namespaceDescription): its interfaces are not these, even where the names match (--other-namespace writes it anyway)"
                )
            }
            let touchesIRQs = snapshot.files.contains { $0.path.hasPrefix("proc/irq/") }
            if !options.force, touchesIRQs, let then = snapshot.host.bootID, let now = here.bootID, then != now {
                reasons.append("snapshot \(snapshot.id) is from an earlier boot: IRQ numbers may now belong to other devices (use --force to restore anyway)")
            }
            for problem in RestorablePaths.problems(in: snapshot) {
                reasons.append("snapshot \(snapshot.id) names \(problem); refusing the whole snapshot")
            }
        }
        return reasons
    }

    /// Puts `snapshots` (oldest first) back: each file to its value before the oldest of them,
    /// newest writes undone first, then channels, the queue files a channel decrease removed,
    /// configuration files and irqbalance. Marks them restored.
    public func restore(_ snapshots: [SpreadSnapshot], options: Options = Options(), now: Date = .now) -> Outcome {
        var outcome = Outcome()
        outcome.snapshotIDs = snapshots.reversed().map(\.id)
        outcome.refusals = refusals(for: snapshots, options: options)
        guard outcome.refusals.isEmpty, !snapshots.isEmpty else { return outcome }
        let here = HostIdentity.read(from: root)
        if snapshots.contains(where: { $0.host.networkNamespace == nil }), here.networkNamespace != nil {
            outcome.notes.append(
                "a snapshot from an older cmtune does not record its network namespace; restoring it in this one (\(here.namespaceDescription))")
        }

        // Per path: the value before the oldest write, and what the newest write left.
        let (order, original, newest) = Self.oldestAndNewest(snapshots.flatMap(\.files), key: \.path)
        // Undo newest writes first: paths in reverse order of their first write.
        for path in order.reversed() {
            guard let saved = original[path] else { continue }
            let current: String
            do {
                current = String(decoding: try root.readBytes(path), as: UTF8.self)
            } catch {
                outcome.problems.append("\(error.path): \(error.errno.plainDescription)")
                continue
            }
            let kind = saved.kind ?? newest[path]?.kind
            if Self.same(current, saved.content, kind: kind) {
                outcome.restoredFiles.append(path)
                continue
            }
            if !options.force, let written = newest[path]?.written, !Self.same(current, written, kind: kind) {
                outcome.handChanged.append(
                    "\(root.absolute(path)) reads '\(current.trimmingNewline())' but cmtune left '\(written.trimmingNewline())': changed since; kept (--force writes the saved '\(saved.content.trimmingNewline())')"
                )
                continue
            }
            do {
                try root.write(path, saved.content)
                outcome.restoredFiles.append(path)
            } catch {
                outcome.problems.append("\(error.path): \(error.errno.plainDescription)")
            }
        }
        for path in order where outcome.restoredFiles.contains(path) {
            guard let saved = original[path], let bytes = try? root.readBytes(path) else { continue }
            let now = String(decoding: bytes, as: UTF8.self)
            if !Self.same(now, saved.content, kind: saved.kind) {
                outcome.mismatches.append("\(root.absolute(path)) reads '\(now.trimmingNewline())', saved '\(saved.content.trimmingNewline())'")
            }
        }

        // Channels: the counts before the oldest change; then the queue files that change removed.
        let (channelOrder, firstChannels, lastChannels) = Self.oldestAndNewest(snapshots.flatMap(\.channels), key: \.interface)
        for interface in channelOrder {
            guard let saved = firstChannels[interface] else { continue }
            if !options.force, let set = lastChannels[interface]?.set, let control = channelControl,
                let current = control.channels(interface: interface, ifindex: saved.ifindex).value, !Self.sameCounts(current, set)
            {
                outcome.handChanged.append(
                    "channels of \(interface) are \(Self.describe(current)) but cmtune left \(Self.describe(set)): changed since; kept (--force sets \(Self.describe(saved.counts)))"
                )
                continue
            }
            if let problem = ChannelRestore.set(saved, control: channelControl) {
                outcome.problems.append("cannot restore the channels of \(interface): \(problem)")
            } else {
                outcome.restoredChannels.append(interface)
            }
        }
        var removedDone = Set<String>()
        for snapshot in snapshots {
            for saved in snapshot.removedQueueFiles where removedDone.insert(saved.path).inserted {
                do {
                    try root.write(saved.path, saved.content)
                    outcome.restoredFiles.append(saved.path)
                } catch {
                    outcome.problems.append("\(error.path): \(error.errno.plainDescription)")
                }
            }
        }

        var configDone = Set<String>()
        for snapshot in snapshots {
            for saved in snapshot.configFiles where configDone.insert(saved.path).inserted {
                if let problem = ConfigFileRestore.put(saved, root: root) {
                    outcome.problems.append(problem)
                } else {
                    outcome.restoredConfigFiles.append(root.absolute(saved.path))
                }
            }
        }
        for snapshot in snapshots.reversed() {
            guard let irqbalance = snapshot.irqbalance else { continue }
            let problems = IRQBalanceCoordinator(root: root, services: services).restore(irqbalance)
            outcome.problems += problems
            if problems.isEmpty { outcome.irqbalance = "irqbalance put back (\(irqbalance.action) undone)" }
        }

        // A value kept because it changed by hand leaves the snapshots in force, so that
        // `restore --force` can still put it back; anything else is as done as it can be.
        if outcome.handChanged.isEmpty {
            for var snapshot in snapshots {
                snapshot.state = .restored
                snapshot.restoredAt = now.formatted(.iso8601)
                try? store.save(snapshot)
            }
        }
        return outcome
    }

    /// Rolls back an apply that was cut short (its process died with the snapshot still marked
    /// `applying`): every saved value is written back, whether or not it had been changed yet.
    public func rollBack(interrupted snapshot: SpreadSnapshot, now: Date = .now) -> Outcome {
        var outcome = Outcome()
        outcome.snapshotIDs = [snapshot.id]
        outcome.refusals = RestorablePaths.problems(in: snapshot).map { "snapshot \(snapshot.id) names \($0); not rolled back" }
        guard outcome.refusals.isEmpty else { return outcome }
        for saved in snapshot.files.reversed() {
            do {
                try root.write(saved.path, saved.content)
                outcome.restoredFiles.append(saved.path)
            } catch  where error.isMissing {
                // Its queue was never created: the channel change had not happened yet.
                continue
            } catch {
                outcome.problems.append("\(error.path): \(error.errno.plainDescription)")
            }
        }
        for saved in snapshot.channels {
            if let problem = ChannelRestore.set(saved, control: channelControl) {
                outcome.problems.append("cannot restore the channels of \(saved.interface): \(problem)")
            } else {
                outcome.restoredChannels.append(saved.interface)
            }
        }
        for saved in snapshot.removedQueueFiles {
            try? root.write(saved.path, saved.content)
        }
        for saved in snapshot.configFiles {
            if let problem = ConfigFileRestore.put(saved, root: root) { outcome.problems.append(problem) }
        }
        if let irqbalance = snapshot.irqbalance {
            outcome.problems += IRQBalanceCoordinator(root: root, services: services).restore(irqbalance)
        }
        var marked = snapshot
        marked.state = .rolledBack
        marked.note = "cut short (process \(snapshot.pid.map(String.init) ?? "?") ended mid-apply); rolled back at \(now.formatted(.iso8601))"
        try? store.save(marked)
        return outcome
    }

    /// For items saved by several snapshots (oldest first): the keys in order of first appearance,
    /// the first (the value from before all of them) and the last (what the newest left) of each.
    static func oldestAndNewest<Item>(_ items: [Item], key: KeyPath<Item, String>) -> ([String], [String: Item], [String: Item]) {
        var order: [String] = []
        var first: [String: Item] = [:]
        var last: [String: Item] = [:]
        for item in items {
            let name = item[keyPath: key]
            if first[name] == nil {
                first[name] = item
                order.append(name)
            }
            last[name] = item
        }
        return (order, first, last)
    }

    /// Values compared as the kernel means them: masks and lists as CPU sets, numbers as numbers.
    static func same(_ left: String, _ right: String, kind: PlannedWrite.Kind?) -> Bool {
        if let kind { return PlannedWrite.sameValue(left.trimmingNewline(), right.trimmingNewline(), kind: kind) }
        return left.trimmingNewline() == right.trimmingNewline()
    }

    static func sameCounts(_ left: ChannelCounts, _ right: ChannelCounts) -> Bool {
        left.combined == right.combined && left.rx == right.rx && left.tx == right.tx
    }

    static func describe(_ counts: ChannelCounts) -> String {
        var parts: [String] = []
        if let combined = counts.combined, combined > 0 || (counts.rx ?? 0) == 0 { parts.append("combined \(combined)") }
        if let rx = counts.rx, rx > 0 { parts.append("rx \(rx)") }
        if let tx = counts.tx, tx > 0 { parts.append("tx \(tx)") }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

extension String {
    func trimmingNewline() -> String {
        var copy = self
        while copy.hasSuffix("\n") { copy.removeLast() }
        return copy
    }
}
