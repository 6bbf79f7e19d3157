import FoundationEssentials
import HostKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One apply as a transaction: every value it will touch is saved (and the snapshot written to
/// disk, marked `applying`) before it is changed; every write is read back; on any failure, or
/// a stop signal between two steps, everything written so far is put back, newest first.
///
/// A plan that changes nothing makes no snapshot at all, so "spread, spread again, restore"
/// restores the first spread, not an empty second one.
public final class SpreadTransaction {
    public enum Status: String, Sendable {
        /// Every write landed (managed IRQs skipped and said so).
        case applied
        /// The plan changed nothing: nothing written, no snapshot.
        case unchanged
        /// A write failed, or a signal arrived; what had been written was put back.
        case rolledBack = "rolled-back"
        /// Stopped before changing anything (the snapshot could not be saved).
        case refused
    }

    public struct AppliedWrite: Sendable, Equatable {
        public var write: PlannedWrite
        /// What the file reads after the write.
        public var readBack: String
        /// For IRQ affinity: where the interrupt is now delivered.
        public var effective: CPUSet?
    }

    /// What the transaction asks of its caller between steps.
    public struct Hooks {
        /// The name of a stop signal that arrived (`SIGINT`), checked before every step.
        public var interruption: () -> String?
        /// Called after each completed step (channel change or file write), numbered from 1:
        /// tests stop the process there to prove every cut is rolled back.
        public var afterStep: (Int) -> Void
        /// After a channel change, the IRQ serving each queue vector now (the driver may have
        /// allocated new ones): the caller reads the host again.
        public var resolveVectors: ([QueueVectorReference]) -> [QueueVectorReference: Int]
        /// Carries out the irqbalance policy for the IRQs about to be placed; returns what to
        /// save so restore can undo it.
        public var irqbalance: ([Int]) -> Result<SpreadSnapshot.SavedIRQBalance?, WriteFailure>

        public init(
            interruption: @escaping () -> String? = { nil }, afterStep: @escaping (Int) -> Void = { _ in },
            resolveVectors: @escaping ([QueueVectorReference]) -> [QueueVectorReference: Int] = { _ in [:] },
            irqbalance: @escaping ([Int]) -> Result<SpreadSnapshot.SavedIRQBalance?, WriteFailure> = { _ in .success(nil) }
        ) {
            self.interruption = interruption
            self.afterStep = afterStep
            self.resolveVectors = resolveVectors
            self.irqbalance = irqbalance
        }
    }

    public let root: HostRoot
    public let store: SnapshotStore
    let channelControl: (any ChannelControl)?
    let services: (any ServiceManager)?
    let hooks: Hooks
    public private(set) var snapshot: SpreadSnapshot
    /// The writes as carried out: the plan's, with IRQs of new vectors resolved.
    public private(set) var writes: [PlannedWrite] = []
    public private(set) var applied: [AppliedWrite] = []
    public private(set) var appliedChannels: [ChannelChange] = []
    public private(set) var irqbalance: SpreadSnapshot.SavedIRQBalance?
    public private(set) var skipped: [Skip] = []
    public private(set) var warnings: [String] = []
    public private(set) var failure: WriteFailure?
    /// The stop signal that ended the apply, when one did.
    public private(set) var interruptedBy: String?
    public private(set) var rollbackProblems: [String] = []
    public private(set) var status: Status = .applied
    /// What pruning did after the snapshot was saved.
    public private(set) var pruned: [String] = []

    private var steps = 0
    /// True once the snapshot is on disk: from then on a failure is a rollback, not a refusal.
    private var journaled = false
    /// Undo steps, in the order the changes were made.
    private var undo: [Undo] = []
    private enum Undo {
        case file(SpreadSnapshot.SavedFile)
        case channels(SpreadSnapshot.SavedChannels)
        case irqbalance(SpreadSnapshot.SavedIRQBalance)
        case config(SpreadSnapshot.SavedConfigFile)
    }

    public init(
        root: HostRoot, store: SnapshotStore, channelControl: (any ChannelControl)?, services: (any ServiceManager)? = nil,
        origin: SpreadSnapshot.Origin = .spread, policy: SpreadPolicy?, hooks: Hooks = Hooks(), now: Date = .now
    ) {
        self.root = root
        self.store = store
        self.channelControl = channelControl
        self.services = services
        self.hooks = hooks
        let sequence = store.nextSequence()
        snapshot = SpreadSnapshot(
            id: SnapshotStore.makeID(sequence: sequence, date: now), sequence: sequence, createdAt: now.formatted(.iso8601),
            host: HostIdentity.read(from: root), root: root.path, origin: origin, policy: policy)
        snapshot.pid = Int(getpid())
    }

    /// Applies `plan` (and writes `configFiles`, whole, for `sysctl --persist`). False when it
    /// failed or was interrupted and everything was put back (or nothing was written).
    @discardableResult
    public func apply(_ plan: SpreadPlan, configFiles: [(path: String, content: String)] = []) -> Bool {
        guard !plan.isEmpty || !configFiles.isEmpty else {
            status = .unchanged
            return true
        }
        // 1. The journal: every value that exists now, saved before anything changes.
        let changing = Set(plan.channelChanges.map(\.interface))
        for change in plan.channelChanges {
            snapshot.channels.append(.init(interface: change.interface, ifindex: change.ifindex, counts: change.old))
            snapshot.removedQueueFiles += queueFilesRemoved(by: change)
        }
        // Writes keep the plan's order; those that exist only after the channel change are
        // saved (and their IRQs found) once it is done.
        writes = plan.writes
        var pending: [Int] = []
        for (position, write) in writes.enumerated() {
            if write.followsChannelChange || (write.vector.map { changing.contains($0.interface) } ?? false) {
                pending.append(position)
                continue
            }
            guard save(before: write) else { return fail(nil) }
        }
        for config in configFiles {
            do {
                let previous = root.exists(config.path) ? String(decoding: try root.readBytes(config.path), as: UTF8.self) : nil
                snapshot.configFiles.append(.init(path: config.path, content: previous))
            } catch {
                return fail(
                    WriteFailure(
                        target: error.path, errno: error.errno.rawValue,
                        message: "cannot read the file to save before replacing it: \(error.errno.plainDescription)"))
            }
        }
        guard journal() else { return false }

        // 2. Channels: they create and remove queues and vectors.
        for change in plan.channelChanges {
            guard proceed() else { return false }
            guard setChannels(change) else { return false }
            step()
        }

        // 3. What exists only now: new queues, and the IRQs of vectors found again by queue.
        if !pending.isEmpty {
            let references = pending.compactMap { writes[$0].vector }
            let irqs = references.isEmpty ? [:] : hooks.resolveVectors(references)
            for position in pending {
                var write = writes[position]
                if let reference = write.vector {
                    switch write.kind {
                    case .irqAffinity, .vectorAffinity:
                        guard let irq = irqs[reference] else { return fail(vanished(reference)) }
                        write.kind = .irqAffinity(irq: irq)
                        write.path = "proc/irq/\(irq)/smp_affinity_list"
                    default: break
                    }
                }
                guard save(before: write) else { return fail(nil) }
                writes[position] = write
            }
            guard journal() else { return false }
        }

        // 4. irqbalance, before the IRQs it would move are placed.
        let placed = writes.compactMap(\.irq)
        switch hooks.irqbalance(placed) {
        case .success(let saved?):
            irqbalance = saved
            snapshot.irqbalance = saved
            undo.append(.irqbalance(saved))
            guard journal() else { return false }
        case .success(nil): break
        case .failure(let problem): return fail(problem)
        }

        // 5. The files, each read back.
        for write in writes {
            guard proceed() else { return false }
            guard let saved = snapshot.files.first(where: { $0.path == write.path }) else { continue }
            do {
                try root.write(write.path, write.new + "\n")
            } catch {
                let explained = WriteFailure.explain(error, kind: write.kind, value: write.new)
                if case .irqAffinity = write.kind, WriteFailure.isManagedIRQRefusal(error.errno) {
                    // Managed IRQs refuse by design: report and move on, it is not a failure.
                    skipped.append(Skip(subject: write.path, reason: explained.message))
                    snapshot.files.removeAll { $0.path == write.path }
                    continue
                }
                return fail(explained)
            }
            undo.append(.file(saved))
            guard let readBack = verify(write) else { return false }
            if let position = snapshot.files.firstIndex(where: { $0.path == write.path }) { snapshot.files[position].written = readBack }
            step()
        }
        for config in configFiles {
            guard proceed() else { return false }
            do {
                try StateFiles.makeDirectories(parentDirectory(root.absolute(config.path)))
                try StateFiles.writeAtomically(Array(config.content.utf8), to: root.absolute(config.path))
            } catch {
                return fail(WriteFailure(target: error.path, errno: error.errno.rawValue, message: "cannot write: \(error.errno.plainDescription)"))
            }
            if let saved = snapshot.configFiles.first(where: { $0.path == config.path }) { undo.append(.config(saved)) }
            step()
        }

        snapshot.state = .applied
        guard journal() else { return false }
        pruned = store.prune()
        return true
    }

    /// The sysfs files of the queues a channel decrease removes: they exist again, with the
    /// kernel's defaults, only when restore raises the channels, so restore writes them then.
    private func queueFilesRemoved(by change: ChannelChange) -> [SpreadSnapshot.SavedFile] {
        let queues = (try? root.listIfPresent("sys/class/net/\(change.interface)/queues")) ?? []
        let rx = queues.filter { $0.hasPrefix("rx-") }.count
        let tx = queues.filter { $0.hasPrefix("tx-") }.count
        let old = change.old
        func delta(_ new: UInt32?, _ old: UInt32?) -> Int { new.map { Int($0) - Int(old ?? 0) } ?? 0 }
        let rxKept = rx + delta(change.combined, old.combined) + delta(change.rx, old.rx)
        let txKept = tx + delta(change.combined, old.combined) + delta(change.tx, old.tx)
        var saved: [SpreadSnapshot.SavedFile] = []
        func keep(_ path: String, _ kind: PlannedWrite.Kind) {
            guard let bytes = try? root.readBytes(path) else { return }
            saved.append(.init(path: path, content: String(decoding: bytes, as: UTF8.self), kind: kind))
        }
        let base = "sys/class/net/\(change.interface)/queues"
        for index in max(0, rxKept)..<max(rx, max(0, rxKept)) {
            keep("\(base)/rx-\(index)/rps_cpus", .rps(interface: change.interface, queue: index))
            keep("\(base)/rx-\(index)/rps_flow_cnt", .rfsFlowCount(interface: change.interface, queue: index))
        }
        for index in max(0, txKept)..<max(tx, max(0, txKept)) {
            keep("\(base)/tx-\(index)/xps_cpus", .xps(interface: change.interface, queue: index))
        }
        return saved
    }

    private func vanished(_ reference: QueueVectorReference) -> WriteFailure {
        WriteFailure(
            target: "\(reference.interface) \(reference.queue)", errno: nil,
            message: "after the channel change no IRQ serves \(reference.interface) \(reference.queue): the driver did not create the vector the plan expected")
    }

    /// Reads and keeps a file's value before it is written; false when it cannot be read.
    private func save(before write: PlannedWrite) -> Bool {
        if snapshot.files.contains(where: { $0.path == write.path }) { return true }
        do {
            let bytes = try root.readBytes(write.path)
            snapshot.files.append(.init(path: write.path, content: String(decoding: bytes, as: UTF8.self), kind: write.kind))
            return true
        } catch {
            failure = WriteFailure(
                target: error.path, errno: error.errno.rawValue, message: "cannot read the value to save before writing: \(error.errno.plainDescription)")
            return false
        }
    }

    private func setChannels(_ change: ChannelChange) -> Bool {
        guard let control = channelControl else {
            warnings.append("channel change of \(change.interface) skipped: no ethtool netlink for this root")
            snapshot.channels.removeAll { $0.interface == change.interface }
            return true
        }
        if let problem = control.setChannels(interface: change.interface, ifindex: change.ifindex, rx: change.rx, tx: change.tx, combined: change.combined) {
            return fail(WriteFailure(target: problem.call, errno: problem.errno, message: problem.detail))
        }
        guard let index = snapshot.channels.firstIndex(where: { $0.interface == change.interface }) else { return true }
        undo.append(.channels(snapshot.channels[index]))
        guard let now = control.channels(interface: change.interface, ifindex: change.ifindex).value,
            change.combined.map({ $0 == now.combined }) ?? true, change.rx.map({ $0 == now.rx }) ?? true, change.tx.map({ $0 == now.tx }) ?? true
        else {
            return fail(
                WriteFailure(target: "ethtool CHANNELS_GET \(change.interface)", errno: nil, message: "read-back does not show the channel counts just set"))
        }
        snapshot.channels[index].set = now
        appliedChannels.append(change)
        return true
    }

    /// Reads a write back; a mismatch is a failure (and rolls back), a trimmed mask a warning.
    /// Returns what it read.
    private func verify(_ write: PlannedWrite) -> String? {
        let readBack: String
        do {
            readBack = try root.read(write.path)
        } catch {
            fail(WriteFailure(target: error.path, errno: error.errno.rawValue, message: "cannot read back: \(error.errno.plainDescription)"))
            return nil
        }
        func mismatch() -> String? {
            fail(WriteFailure(target: root.absolute(write.path), errno: nil, message: "wrote \(write.new) but it reads back as '\(readBack)'"))
            return nil
        }
        var effective: CPUSet?
        switch write.kind {
        case .irqAffinity(let irq):
            let wanted = try? CPUSet(parsingList: write.new)
            let got = try? CPUSet(parsingList: readBack)
            guard let wanted, let got, got == wanted || (!got.isEmpty && got.isSubset(of: wanted)) else { return mismatch() }
            if let text = try? root.readIfPresent("proc/irq/\(irq)/effective_affinity_list"), let set = try? CPUSet(parsingList: text) {
                effective = set
                if !set.isEmpty && !set.isSubset(of: wanted) {
                    warnings.append("IRQ \(irq) is still delivered to CPU \(set.listString); it moves at its next interrupt")
                }
            }
        case .vectorAffinity:
            return mismatch()
        case .rps(let interface, let queue), .xps(let interface, let queue):
            let wanted = (try? CPUSet(parsingMask: write.new)) ?? []
            guard let got = try? CPUSet(parsingMask: readBack), got.isSubset(of: wanted) else { return mismatch() }
            if got != wanted {
                warnings.append(
                    "\(interface) queue \(queue): the kernel trimmed the mask to CPUs \(got.listString) (housekeeping CPUs: isolcpus/nohz_full keep RPS off the others)"
                )
            }
        case .rfsFlowCount, .sockFlowEntries:
            // The kernel rounds both up to a power of two.
            guard let got = Int(readBack), let wanted = Int(write.new), got >= wanted else { return mismatch() }
        case .sysctl:
            guard PlannedWrite.sameValue(readBack, write.new, kind: write.kind) else { return mismatch() }
        }
        applied.append(AppliedWrite(write: write, readBack: readBack, effective: effective))
        return readBack
    }

    /// False, after rolling back, when a stop signal has arrived.
    private func proceed() -> Bool {
        guard let signal = hooks.interruption() else { return true }
        interruptedBy = signal
        return fail(WriteFailure(target: "cmtune", errno: nil, message: "interrupted by \(signal)"))
    }

    private func step() {
        steps += 1
        hooks.afterStep(steps)
    }

    /// Saves the snapshot; on failure, rolls back and returns false.
    private func journal() -> Bool {
        do {
            try store.save(snapshot)
            journaled = true
            return true
        } catch {
            failure = WriteFailure(target: store.path(of: snapshot.id), errno: nil, message: error.description)
            rollback()
            status = journaled ? .rolledBack : .refused
            return false
        }
    }

    /// Records the failure, puts back everything changed so far, marks the snapshot. Always false.
    @discardableResult
    private func fail(_ failure: WriteFailure?) -> Bool {
        if let failure { self.failure = failure }
        rollback()
        status = journaled ? .rolledBack : .refused
        if journaled {
            snapshot.state = .rolledBack
            snapshot.note = interruptedBy.map { "interrupted by \($0); rolled back" } ?? self.failure.map { "failed: \($0.description); rolled back" }
            try? store.save(snapshot)
        }
        return false
    }

    private func rollback() {
        var channelsPutBack = false
        for step in undo.reversed() {
            switch step {
            case .file(let saved):
                do {
                    try root.write(saved.path, saved.content)
                } catch {
                    rollbackProblems.append("could not put back \(error.path): \(error.errno.plainDescription)")
                }
            case .channels(let saved):
                if let problem = ChannelRestore.set(saved, control: channelControl) {
                    rollbackProblems.append("could not put back the channels of \(saved.interface): \(problem)")
                } else {
                    channelsPutBack = true
                }
            case .irqbalance(let saved):
                rollbackProblems += IRQBalanceCoordinator(root: root, services: services).restore(saved)
            case .config(let saved):
                if let problem = ConfigFileRestore.put(saved, root: root) { rollbackProblems.append(problem) }
            }
        }
        if channelsPutBack {
            for saved in snapshot.removedQueueFiles {
                do {
                    try root.write(saved.path, saved.content)
                } catch {
                    rollbackProblems.append("could not put back \(error.path): \(error.errno.plainDescription)")
                }
            }
        }
        undo.removeAll()
        applied.removeAll()
        appliedChannels.removeAll()
    }
}

/// Channel counts put back as they were: combined where the NIC has combined channels.
enum ChannelRestore {
    static func set(_ saved: SpreadSnapshot.SavedChannels, control: (any ChannelControl)?) -> String? {
        guard let control else { return "no ethtool netlink for this root" }
        let combined = (saved.counts.maxCombined ?? 0) > 0
        return control.setChannels(
            interface: saved.interface, ifindex: saved.ifindex, rx: combined ? nil : saved.counts.rx, tx: combined ? nil : saved.counts.tx,
            combined: combined ? saved.counts.combined : nil)?.detail
    }
}

/// A configuration file put back: its old content, or removed when it did not exist.
enum ConfigFileRestore {
    static func put(_ saved: SpreadSnapshot.SavedConfigFile, root: HostRoot) -> String? {
        let path = root.absolute(saved.path)
        guard let content = saved.content else {
            return StateFiles.remove(path) ? nil : "could not remove \(path)"
        }
        do {
            try StateFiles.writeAtomically(Array(content.utf8), to: path)
            return nil
        } catch {
            return "could not put back \(error.path): \(error.errno.plainDescription)"
        }
    }
}
