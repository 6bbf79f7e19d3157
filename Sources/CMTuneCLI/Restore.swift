import ArgumentParser
import Foundation
import HostKit
import Tuning

extension CMTune {
    /// `cmtune restore`: put the host back as it was before cmtune changed it.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Undo 'cmtune spread' and 'cmtune sysctl --apply': write back every saved value and check it reads back the same.",
            discussion: """
                Without --id, every snapshot still in force for this root and network namespace is undone, newest \
                first: the host returns to its state before the first of them. --id ID goes back to the state before \
                that snapshot (the newest one: one step). A value changed by hand since cmtune set it is shown and \
                kept unless --force. A snapshot from another network namespace, another machine or (for IRQs) \
                an earlier boot is refused, and so is one naming a file outside the IRQ, net-queue and tunable trees \
                cmtune writes. Exit status: 0 restored, 1 something could not be put back or was kept (listed), \
                2 refused (nothing written).
                """
        )

        @Option(name: .long, help: "Go back to the state before this snapshot (default: before the first one in force).")
        var id: String?

        @Flag(name: .long, help: "List the saved snapshots.")
        var list = false

        @Flag(name: .long, help: "Overwrite values changed by hand since, restore across a reboot, or restore an already restored snapshot.")
        var force = false

        @Flag(name: .long, help: "Restore a snapshot taken in another network namespace.")
        var otherNamespace = false

        @Option(name: .long, help: ArgumentHelp("Where snapshots are kept (default /var/lib/cmtune/snapshots under the root).", valueName: "DIR"))
        var stateDir: String?

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            let store = SnapshotStore(directory: stateDir ?? root.absolute("var/lib/cmtune/snapshots"))
            if list { return try listSnapshots(store, root: root, console: console) }
            if root.isLiveSystem && geteuid() != 0 {
                return try refuse(["restore writes /proc/irq and /sys/class/net: run it as root"], console: console)
            }
            let live = root.isLiveSystem
            let restorer = SpreadRestorer(
                root: root, store: store, channelControl: live ? LiveChannelControl() : nil, services: live ? LiveServiceManager() : nil)
            let session: StateSession
            do {
                session = try StateSession.open(store: store, restorer: restorer)
            } catch {
                return try refuse([error.description], console: console)
            }
            for message in session.messages { Console.error(message) }
            // The lock is held until the command ends, not only until its last mention.
            defer { withExtendedLifetime(session) {} }

            let options = SpreadRestorer.Options(force: force, otherNamespace: otherNamespace)
            let outcome: SpreadRestorer.Outcome
            switch restorer.select(id.map { .before(id: $0) } ?? .chain, options: options) {
            case .failure(let refused):
                // Nothing in force, but an interrupted apply was just rolled back: that is a restore.
                if !session.recovered.isEmpty && id == nil, refused.reason.hasPrefix("nothing to restore") {
                    return
                }
                var refusal = SpreadRestorer.Outcome()
                refusal.refusals = [refused.reason]
                outcome = refusal
            case .success(let snapshots):
                outcome = restorer.restore(snapshots, options: options)
            }
            let status = !outcome.refusals.isEmpty ? "refused" : outcome.succeeded ? "restored" : "incomplete"
            if output.json {
                console.print(
                    JSONValue.object([
                        ("status", .string(status)),
                        ("snapshot", .string(outcome.snapshotIDs.last)),
                        ("snapshots", .array(outcome.snapshotIDs.map { .string($0) })),
                        ("files", .array(Self.unique(outcome.restoredFiles).map { .string(root.absolute($0)) })),
                        ("channels", .array(outcome.restoredChannels.map { .string($0) })),
                        ("configFiles", .array(outcome.restoredConfigFiles.map { .string($0) })),
                        ("irqbalance", .string(outcome.irqbalance)),
                        ("handChanged", .array(outcome.handChanged.map { .string($0) })),
                        ("mismatches", .array(outcome.mismatches.map { .string($0) })),
                        ("problems", .array(outcome.problems.map { .string($0) })),
                        ("refusals", .array(outcome.refusals.map { .string($0) })),
                        ("notes", .array(outcome.notes.map { .string($0) })),
                        ("recovered", .array(session.recovered.compactMap { $0.snapshotIDs.first.map { .string($0) } })),
                    ]).rendered(pretty: true))
                for refusal in outcome.refusals { Console.error("refused: \(refusal)") }
            } else {
                for refusal in outcome.refusals { Console.error("refused: \(refusal)") }
                if outcome.refusals.isEmpty {
                    for note in outcome.notes { console.print("note: \(note)") }
                    let what =
                        "\(Plural.count(Set(outcome.restoredFiles).count, "file")), \(Plural.count(outcome.restoredChannels.count, "channel setting"))"
                        + (outcome.restoredConfigFiles.isEmpty ? "" : ", \(Plural.count(outcome.restoredConfigFiles.count, "configuration file"))")
                        + (outcome.irqbalance.map { ", \($0)" } ?? "")
                    let snapshots =
                        outcome.snapshotIDs.count == 1
                        ? "snapshot \(outcome.snapshotIDs[0])"
                        : "\(outcome.snapshotIDs.count) snapshots (\(outcome.snapshotIDs.last ?? "") to \(outcome.snapshotIDs.first ?? ""))"
                    if outcome.succeeded {
                        console.print("restored \(snapshots): \(what)")
                    } else {
                        console.print("restore of \(snapshots) is INCOMPLETE: \(what) put back; see below")
                    }
                    for kept in outcome.handChanged { Console.error("kept: \(kept)") }
                    for mismatch in outcome.mismatches { Console.error("differs after restore: \(mismatch)") }
                    for problem in outcome.problems { Console.error("not restored: \(problem)") }
                }
            }
            if !outcome.refusals.isEmpty { throw ExitCode(2) }
            if !outcome.succeeded { throw ExitCode(1) }
        }

        private static func unique(_ paths: [String]) -> [String] {
            var seen = Set<String>()
            return paths.filter { seen.insert($0).inserted }
        }

        private func refuse(_ reasons: [String], console: Console) throws {
            for reason in reasons { Console.error("refused: \(reason)") }
            if output.json {
                console.print(JSONValue.object([("status", .string("refused")), ("refusals", .array(reasons.map { .string($0) }))]).rendered(pretty: true))
            }
            throw ExitCode(2)
        }

        private func listSnapshots(_ store: SnapshotStore, root: HostRoot, console: Console) throws {
            let entries = store.entries()
            let here = HostIdentity.read(from: root)
            if output.json {
                console.print(
                    JSONValue.array(
                        entries.map { entry in
                            let snapshot = entry.snapshot
                            return .object([
                                ("id", .string(entry.id)), ("sequence", .int(snapshot?.sequence)), ("createdAt", .string(snapshot?.createdAt)),
                                ("origin", .string(snapshot?.origin.rawValue)), ("state", .string(snapshot?.state.rawValue)),
                                ("interfaces", .array((snapshot?.interfaces ?? []).map { .string($0) })), ("files", .int(snapshot?.files.count)),
                                ("root", .string(snapshot?.root)), ("networkNamespace", .string(snapshot?.host.networkNamespace?.identifier)),
                                ("thisNamespace", .bool(snapshot.map { $0.host.isSameNamespace(as: here) })),
                                ("restoredAt", .string(snapshot?.restoredAt)), ("folded", .array((snapshot?.folded ?? []).map { .string($0) })),
                                ("note", .string(snapshot?.note)), ("problem", .string(entry.problem?.description)),
                            ])
                        }
                    ).rendered(pretty: true))
                return
            }
            guard !entries.isEmpty else {
                console.print("no snapshots in \(store.directory)")
                return
            }
            var table = TextTable([
                ("ID", .left), ("TAKEN", .left), ("BY", .left), ("STATE", .left), ("INTERFACES", .left), ("FILES", .right), ("NAMESPACE", .left),
            ])
            for entry in entries {
                guard let snapshot = entry.snapshot else {
                    table.add([entry.id, "corrupt: \(entry.problem?.description ?? "")", "", "", "", "", ""])
                    continue
                }
                let state = snapshot.state == .restored ? "restored \(snapshot.restoredAt ?? "")" : snapshot.state.rawValue
                table.add([
                    snapshot.id, snapshot.createdAt, snapshot.origin.rawValue, state + (snapshot.folded.isEmpty ? "" : " (+\(snapshot.folded.count) folded)"),
                    snapshot.interfaces.isEmpty ? (snapshot.origin == .sysctl ? "-" : "all") : snapshot.interfaces.joined(separator: ","),
                    String(snapshot.files.count),
                    snapshot.host.isSameNamespace(as: here) ? "this" : snapshot.host.namespaceDescription,
                ])
            }
            table.render(console: console).forEach(console.print)
        }
    }
}
