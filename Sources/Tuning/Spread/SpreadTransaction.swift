import FoundationEssentials
import HostKit

/// One `spread` apply as a transaction: every value it will touch is saved (and the snapshot
/// written to disk) before it is changed; every write is read back; on any failure everything
/// written so far is put back, newest first.
public final class SpreadTransaction {
    public enum Status: String, Sendable {
        /// Every write landed (managed IRQs skipped and said so).
        case applied
        /// A write failed; what had been written was put back.
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

    public let root: HostRoot
    public let store: SnapshotStore
    let channelControl: (any ChannelControl)?
    public private(set) var snapshot: SpreadSnapshot
    public private(set) var applied: [AppliedWrite] = []
    public private(set) var appliedChannels: [ChannelChange] = []
    public private(set) var skipped: [Skip] = []
    public private(set) var warnings: [String] = []
    public private(set) var failure: WriteFailure?
    public private(set) var rollbackProblems: [String] = []
    public private(set) var status: Status = .applied

    /// Undo steps, in the order the changes were made.
    private var undo: [Undo] = []
    private enum Undo {
        case file(SpreadSnapshot.SavedFile)
        case channels(SpreadSnapshot.SavedChannels)
    }

    public init(root: HostRoot, store: SnapshotStore, channelControl: (any ChannelControl)?, policy: SpreadPolicy, now: Date = .now) {
        self.root = root
        self.store = store
        self.channelControl = channelControl
        let stamp = now.formatted(.iso8601)
        let id = stamp.filter { $0.isNumber || $0 == "T" || $0 == "Z" } + "-" + String(UInt16.random(in: 0...UInt16.max), radix: 16)
        snapshot = SpreadSnapshot(id: id, createdAt: stamp, host: HostIdentity.read(from: root), root: root.path, policy: policy)
    }

    /// Changes channel counts, saving the old ones first. False when it failed and was undone.
    public func applyChannels(_ changes: [ChannelChange]) -> Bool {
        guard !changes.isEmpty || status != .applied else { return true }
        guard status == .applied else { return false }
        guard let control = channelControl else {
            warnings.append("channel changes skipped: no ethtool netlink for this root")
            return true
        }
        for change in changes {
            snapshot.channels.append(.init(interface: change.interface, ifindex: change.ifindex, counts: change.old))
        }
        guard save() else { return false }
        for change in changes {
            if let problem = control.setChannels(interface: change.interface, ifindex: change.ifindex, rx: change.rx, tx: change.tx, combined: change.combined) {
                fail(WriteFailure(target: problem.call, errno: problem.errno, message: problem.detail))
                return false
            }
            undo.append(.channels(.init(interface: change.interface, ifindex: change.ifindex, counts: change.old)))
            guard let now = control.channels(interface: change.interface, ifindex: change.ifindex).value,
                change.combined.map({ $0 == now.combined }) ?? true, change.rx.map({ $0 == now.rx }) ?? true, change.tx.map({ $0 == now.tx }) ?? true
            else {
                fail(WriteFailure(target: "ethtool CHANNELS_GET \(change.interface)", errno: nil, message: "read-back does not show the channel counts just set"))
                return false
            }
            appliedChannels.append(change)
        }
        return true
    }

    /// Writes the files, saving each one's exact bytes first. False when a write failed and
    /// everything was put back.
    public func applyWrites(_ writes: [PlannedWrite]) -> Bool {
        guard status == .applied else { return false }
        // Save first: every old value is on disk before the first byte changes.
        var planned: [(PlannedWrite, SpreadSnapshot.SavedFile)] = []
        for write in writes {
            do {
                let bytes = try root.readBytes(write.path)
                let saved = SpreadSnapshot.SavedFile(path: write.path, content: String(decoding: bytes, as: UTF8.self))
                planned.append((write, saved))
            } catch {
                fail(WriteFailure(target: error.path, errno: error.errno.rawValue, message: "cannot read the value to save before writing: \(error.errno.plainDescription)"))
                return false
            }
        }
        snapshot.files += planned.map(\.1)
        guard save() else { return false }

        for (write, saved) in planned {
            do {
                try root.write(write.path, write.new + "\n")
            } catch {
                let explained = WriteFailure.explain(error, kind: write.kind, value: write.new)
                if case .irqAffinity = write.kind, WriteFailure.isManagedIRQRefusal(error.errno) {
                    // Managed IRQs refuse by design: report and move on, it is not a failure.
                    skipped.append(Skip(subject: write.path, reason: explained.message))
                    continue
                }
                fail(explained)
                return false
            }
            undo.append(.file(saved))
            guard verify(write) else { return false }
        }
        return true
    }

    /// Reads a write back; a mismatch is a failure (and rolls back), a trimmed mask a warning.
    private func verify(_ write: PlannedWrite) -> Bool {
        let readBack: String
        do {
            readBack = try root.read(write.path)
        } catch {
            fail(WriteFailure(target: error.path, errno: error.errno.rawValue, message: "cannot read back: \(error.errno.plainDescription)"))
            return false
        }
        var effective: CPUSet?
        switch write.kind {
        case .irqAffinity(let irq):
            let wanted = try? CPUSet(parsingList: write.new)
            let got = try? CPUSet(parsingList: readBack)
            guard let wanted, let got, got == wanted || (!got.isEmpty && got.isSubset(of: wanted)) else {
                fail(WriteFailure(target: root.absolute(write.path), errno: nil, message: "wrote \(write.new) but it reads back as '\(readBack)'"))
                return false
            }
            if let text = try? root.readIfPresent("proc/irq/\(irq)/effective_affinity_list"), let set = try? CPUSet(parsingList: text) {
                effective = set
                if !set.isEmpty && !set.isSubset(of: wanted) {
                    warnings.append("IRQ \(irq) is still delivered to CPU \(set.listString); it moves at its next interrupt")
                }
            }
        case .rps(let interface, let queue), .xps(let interface, let queue):
            let wanted = (try? CPUSet(parsingMask: write.new)) ?? []
            guard let got = try? CPUSet(parsingMask: readBack), got.isSubset(of: wanted) else {
                fail(WriteFailure(target: root.absolute(write.path), errno: nil, message: "wrote \(write.new) but it reads back as '\(readBack)'"))
                return false
            }
            if got != wanted {
                warnings.append(
                    "\(interface) queue \(queue): the kernel trimmed the mask to CPUs \(got.listString) (housekeeping CPUs: isolcpus/nohz_full keep RPS off the others)")
            }
        case .rfsFlowCount, .sockFlowEntries:
            // The kernel rounds both up to a power of two.
            guard let got = Int(readBack), let wanted = Int(write.new), got >= wanted else {
                fail(WriteFailure(target: root.absolute(write.path), errno: nil, message: "wrote \(write.new) but it reads back as '\(readBack)'"))
                return false
            }
        }
        applied.append(AppliedWrite(write: write, readBack: readBack, effective: effective))
        return true
    }

    /// Records the failure and puts back everything changed so far.
    private func fail(_ failure: WriteFailure) {
        self.failure = failure
        status = .rolledBack
        rollback()
    }

    private func rollback() {
        for step in undo.reversed() {
            switch step {
            case .file(let saved):
                do {
                    try root.write(saved.path, saved.content)
                } catch {
                    rollbackProblems.append("could not put back \(error.path): \(error.errno.plainDescription)")
                }
            case .channels(let saved):
                if let problem = channelControl?.setChannels(
                    interface: saved.interface, ifindex: saved.ifindex, rx: saved.counts.maxCombined ?? 0 > 0 ? nil : saved.counts.rx,
                    tx: saved.counts.maxCombined ?? 0 > 0 ? nil : saved.counts.tx, combined: saved.counts.maxCombined ?? 0 > 0 ? saved.counts.combined : nil)
                {
                    rollbackProblems.append("could not put back the channels of \(saved.interface): \(problem.detail)")
                }
            }
        }
        undo.removeAll()
        applied.removeAll()
        appliedChannels.removeAll()
    }

    /// Adds what was done to irqbalance to the snapshot (saved at once).
    public func record(irqbalance: SpreadSnapshot.SavedIRQBalance) -> Bool {
        snapshot.irqbalance = irqbalance
        return save()
    }

    private func save() -> Bool {
        do {
            try store.save(snapshot)
            return true
        } catch {
            failure = WriteFailure(target: store.path(of: snapshot.id), errno: nil, message: error.description)
            status = undo.isEmpty ? .refused : .rolledBack
            rollback()
            return false
        }
    }
}
