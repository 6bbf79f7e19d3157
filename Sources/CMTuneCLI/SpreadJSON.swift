import HostKit
import Tuning

/// `cmtune spread --json`, schema in docs/json.md.
enum SpreadJSON {
    static func plan(_ plan: SpreadPlan, refusals: [String], dryRun: Bool) -> JSONValue {
        .object(
            [("status", .string(refusals.isEmpty ? "planned" : "refused")), ("dryRun", .bool(dryRun)), ("refusals", .array(refusals.map { .string($0) }))]
                + planMembers(plan))
    }

    static func planMembers(_ plan: SpreadPlan) -> [(String, JSONValue)] {
        [
            ("applicationCPUs", HostJSON.cpus(plan.applicationCPUs)),
            ("channels", .array(plan.channelChanges.map(channels))),
            ("placements", .array(plan.placements.map(placement))),
            ("writes", .array(plan.writes.map(write))),
            ("skipped", .array(plan.skipped.map { .object([("subject", .string($0.subject)), ("reason", .string($0.reason))]) })),
            ("notes", .array(plan.notes.map { .string($0) })),
        ]
    }

    static func result(_ transaction: SpreadTransaction, plan: SpreadPlan, irqbalance: String?, persisted: [String]) -> JSONValue {
        let failure: JSONValue =
            transaction.failure.map {
                .object([("target", .string($0.target)), ("errno", .int($0.errno)), ("message", .string($0.message))])
            } ?? .null
        return .object(
            [
                ("status", .string(transaction.status.rawValue)),
                ("dryRun", .bool(false)),
                ("refusals", .array([])),
                ("snapshot", .string(transaction.status == .unchanged || transaction.status == .refused ? nil : transaction.snapshot.id)),
                ("stateDirectory", .string(transaction.store.directory)),
                ("applied", .array(transaction.applied.map(applied))),
                ("appliedChannels", .array(transaction.appliedChannels.map(channels))),
                ("warnings", .array(transaction.warnings.map { .string($0) })),
                ("failure", failure),
                ("interruptedBy", .string(transaction.interruptedBy)),
                ("rollbackProblems", .array(transaction.rollbackProblems.map { .string($0) })),
                ("irqbalance", .string(irqbalance)),
                ("persisted", .array(persisted.map { .string($0) })),
            ] + planMembers(plan))
    }

    static func write(_ write: PlannedWrite) -> JSONValue {
        .object([
            ("path", .string("/" + write.path)), ("kind", .string(kind(write.kind))), ("old", .string(write.followsChannelChange ? nil : write.old)),
            ("new", .string(write.new)), ("reason", .string(write.reason)),
            ("queue", write.vector.map { .string("\($0.interface) \($0.queue)") } ?? .null),
            ("followsChannelChange", .bool(write.followsChannelChange)),
        ])
    }

    static func applied(_ applied: SpreadTransaction.AppliedWrite) -> JSONValue {
        .object([
            ("path", .string("/" + applied.write.path)), ("kind", .string(kind(applied.write.kind))), ("old", .string(applied.write.old)),
            ("new", .string(applied.write.new)), ("readBack", .string(applied.readBack)), ("effectiveAffinity", HostJSON.cpus(applied.effective)),
        ])
    }

    static func kind(_ kind: PlannedWrite.Kind) -> String {
        switch kind {
        case .irqAffinity, .vectorAffinity: return "irq-affinity"
        case .rps: return "rps"
        case .rfsFlowCount: return "rfs-flow-count"
        case .xps: return "xps"
        case .sockFlowEntries: return "rps-sock-flow-entries"
        case .sysctl: return "sysctl"
        }
    }

    static func channels(_ change: ChannelChange) -> JSONValue {
        .object([
            ("interface", .string(change.interface)), ("combined", .int(change.combined)), ("rx", .int(change.rx)), ("tx", .int(change.tx)),
            ("old", HostJSON.channels(change.old)), ("reason", .string(change.reason)),
        ])
    }

    static func placement(_ placement: Placement) -> JSONValue {
        .object([
            ("interface", .string(placement.interface)), ("queue", .string(placement.queue)), ("irq", .int(placement.irq)),
            ("before", HostJSON.cpus(placement.before)), ("after", HostJSON.cpus(placement.after)),
        ])
    }
}
