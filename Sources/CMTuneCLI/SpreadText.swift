import HostKit
import Tuning

/// The human view of `spread`: the plan as a before/after diff, and what an apply did.
struct SpreadText {
    let console: Console

    func plan(_ plan: SpreadPlan, policy: SpreadPolicy, refusals: [String], dryRun: Bool) -> String {
        var lines: [String] = []
        for refusal in refusals { lines.append(console.paint("refused: ", .red) + refusal) }
        if !refusals.isEmpty { return lines.joined(separator: "\n") }
        lines.append(contentsOf: body(plan))
        if dryRun {
            lines.append("")
            lines.append(
                plan.isEmpty
                    ? "nothing to change: the host already matches the plan."
                    : "dry run: nothing was written. Apply by running the same command without --dry-run (as root).")
        }
        return lines.joined(separator: "\n")
    }

    private func body(_ plan: SpreadPlan) -> [String] {
        var lines: [String] = []
        if !plan.channelChanges.isEmpty {
            lines.append(console.paint("channels", .bold))
            for change in plan.channelChanges {
                var parts: [String] = []
                if let combined = change.combined { parts.append("combined \(change.old.combined.map(String.init) ?? "?") -> \(combined)") }
                if let rx = change.rx { parts.append("rx \(change.old.rx.map(String.init) ?? "?") -> \(rx)") }
                if let tx = change.tx { parts.append("tx \(change.old.tx.map(String.init) ?? "?") -> \(tx)") }
                lines.append("  \(change.interface)  \(parts.joined(separator: ", "))   \(console.paint(change.reason, .dim))")
            }
        }
        if !plan.placements.isEmpty {
            lines.append(console.paint("IRQ placement", .bold))
            var table = TextTable([("INTERFACE", .left), ("QUEUE", .left), ("IRQ", .right), ("BEFORE", .left), ("AFTER", .left)])
            for placement in plan.placements {
                let before = placement.before?.listString ?? "?"
                let changed = placement.before != placement.after
                table.add(styled: [
                    .init(text: placement.interface, style: nil), .init(text: placement.queue, style: nil),
                    .init(text: placement.irq.map(String.init) ?? "new", style: nil), .init(text: before, style: changed ? .dim : nil),
                    .init(text: placement.after.listString, style: changed ? .bold : nil),
                ])
            }
            lines += table.render(console: console, indent: "  ")
        }
        let fileWrites = plan.writes.filter { write in
            switch write.kind {
            case .irqAffinity, .vectorAffinity: return false
            default: return true
            }
        }
        let irqWrites = plan.writes.count - fileWrites.count
        if !fileWrites.isEmpty {
            lines.append(console.paint("steering", .bold))
            var table = TextTable([("FILE", .left), ("BEFORE", .left), ("AFTER", .left), ("WHY", .left)])
            for write in fileWrites {
                table.add(styled: [
                    .init(text: "/" + write.path, style: nil), .init(text: write.followsChannelChange ? "(new queue)" : write.old, style: .dim),
                    .init(text: write.new, style: .bold),
                    .init(text: write.reason, style: .dim),
                ])
            }
            lines += table.render(console: console, indent: "  ")
        }
        lines.append(
            "\(Plural.count(plan.channelChanges.count, "channel change")), \(Plural.count(irqWrites, "IRQ affinity write")), \(Plural.count(fileWrites.count, "steering write"))"
        )
        if let applicationCPUs = plan.applicationCPUs {
            lines.append(
                "IRQs and RPS keep to CPUs \(plan.placements.reduce(CPUSet()) { $0.union($1.after) }.listString); the application gets CPUs \(applicationCPUs.listString)"
            )
        }
        for skip in plan.skipped { lines.append(console.paint("skipped ", .yellow) + "\(skip.subject): \(skip.reason)") }
        for note in plan.notes { lines.append(console.paint("note: ", .dim) + note) }
        return lines
    }

    func result(_ transaction: SpreadTransaction, plan: SpreadPlan, irqbalance: String?, persisted: [String]) -> String {
        var lines: [String] = []
        switch transaction.status {
        case .applied:
            lines += body(plan)
            lines.append("")
            let count = transaction.applied.count + transaction.appliedChannels.count
            lines.append(
                console.paint("applied \(Plural.count(count, "change")), each read back", .bold)
                    + " (snapshot \(transaction.snapshot.id) in \(transaction.store.directory))")
            let rootOption = transaction.root.isLiveSystem ? "" : " --root \(transaction.root.path)"
            lines.append("undo with: cmtune restore\(rootOption)   (this step only: cmtune restore --id \(transaction.snapshot.id)\(rootOption))")
        case .unchanged:
            lines += body(plan)
            lines.append("")
            lines.append("nothing to change: the host already matches the plan (no snapshot taken)")
        case .rolledBack:
            if let signal = transaction.interruptedBy {
                lines.append(console.paint("INTERRUPTED", .red) + " by \(signal): every change made before it was put back; the host is as it was")
            } else {
                lines.append(console.paint("FAILED", .red) + ": \(transaction.failure?.description ?? "unknown failure")")
                lines.append("every change made before it was put back; the host is as it was (snapshot \(transaction.snapshot.id) kept for reference)")
            }
        case .refused:
            lines.append(console.paint("refused", .red) + ": \(transaction.failure?.description ?? "unknown")")
        }
        for problem in transaction.rollbackProblems { lines.append(console.paint("rollback problem: ", .red) + problem) }
        for skip in transaction.skipped { lines.append(console.paint("skipped ", .yellow) + "\(skip.subject): \(skip.reason)") }
        for warning in transaction.warnings { lines.append(console.paint("warning: ", .yellow) + warning) }
        if let irqbalance { lines.append(irqbalance) }
        if !persisted.isEmpty { lines.append("persisted: " + persisted.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}
