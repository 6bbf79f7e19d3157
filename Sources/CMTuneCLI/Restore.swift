import ArgumentParser
import Foundation
import HostKit
import Tuning

extension CMTune {
    /// `cmtune restore`: put a spread snapshot back exactly.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Undo a 'cmtune spread': write back every saved value (files, channels, irqbalance) and check it reads back the same.",
            discussion: "Exit status: 0 restored, 1 something could not be put back (listed), 2 refused (nothing written)."
        )

        @Option(name: .long, help: "The snapshot to restore (default: the newest).")
        var id: String?

        @Flag(name: .long, help: "List the saved snapshots.")
        var list = false

        @Flag(name: .long, help: "Restore a snapshot from an earlier boot (IRQ numbers may have changed).")
        var force = false

        @Option(name: .long, help: ArgumentHelp("Where snapshots are kept (default /var/lib/cmtune/snapshots under the root).", valueName: "DIR"))
        var stateDir: String?

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            let store = SnapshotStore(directory: stateDir ?? root.absolute("var/lib/cmtune/snapshots"))
            if list { return try listSnapshots(store, console: console) }
            if root.isLiveSystem && geteuid() != 0 {
                Console.error("refused: restore writes /proc/irq and /sys/class/net: run it as root")
                throw ExitCode(2)
            }
            let snapshot: SpreadSnapshot
            do {
                snapshot = try id.map { try store.load(id: $0) } ?? store.latest()
            } catch {
                Console.error("refused: \(error)")
                throw ExitCode(2)
            }
            let live = root.isLiveSystem
            let restorer = SpreadRestorer(
                root: root, store: store, channelControl: live ? LiveChannelControl() : nil, services: live ? LiveServiceManager() : nil)
            let outcome = restorer.restore(snapshot, force: force)
            if output.json {
                console.print(
                    JSONValue.object([
                        ("status", .string(!outcome.refusals.isEmpty ? "refused" : outcome.succeeded ? "restored" : "incomplete")),
                        ("snapshot", .string(outcome.snapshotID)), ("files", .array(outcome.restoredFiles.map { .string("/" + $0) })),
                        ("channels", .array(outcome.restoredChannels.map { .string($0) })), ("irqbalance", .string(outcome.irqbalance)),
                        ("mismatches", .array(outcome.mismatches.map { .string($0) })), ("problems", .array(outcome.problems.map { .string($0) })),
                        ("refusals", .array(outcome.refusals.map { .string($0) })), ("previouslyRestoredAt", .string(outcome.previouslyRestoredAt)),
                    ]).rendered(pretty: true))
            } else {
                for refusal in outcome.refusals { Console.error("refused: \(refusal)") }
                if outcome.refusals.isEmpty {
                    if let earlier = outcome.previouslyRestoredAt { console.print("note: snapshot \(snapshot.id) was already restored at \(earlier); writing it again") }
                    console.print(
                        "restored snapshot \(snapshot.id): \(Set(outcome.restoredFiles).count) files, \(outcome.restoredChannels.count) channel setting(s)"
                            + (outcome.irqbalance.map { ", \($0)" } ?? ""))
                    for mismatch in outcome.mismatches { Console.error("differs after restore: \(mismatch)") }
                    for problem in outcome.problems { Console.error("not restored: \(problem)") }
                }
            }
            if !outcome.refusals.isEmpty { throw ExitCode(2) }
            if !outcome.succeeded { throw ExitCode(1) }
        }

        private func listSnapshots(_ store: SnapshotStore, console: Console) throws {
            var rows: [(SpreadSnapshot?, String, String?)] = []
            for id in store.ids() {
                do {
                    rows.append((try store.load(id: id), id, nil))
                } catch {
                    rows.append((nil, id, "\(error)"))
                }
            }
            if output.json {
                console.print(
                    JSONValue.array(rows.map { snapshot, id, problem in
                        .object([
                            ("id", .string(id)), ("createdAt", .string(snapshot?.createdAt)), ("interfaces", .array((snapshot?.policy.interfaces ?? []).map { .string($0) })),
                            ("files", .int(snapshot?.files.count)), ("restoredAt", .string(snapshot?.restoredAt)), ("problem", .string(problem)),
                        ])
                    }).rendered(pretty: true))
                return
            }
            guard !rows.isEmpty else {
                console.print("no snapshots in \(store.directory)")
                return
            }
            var table = TextTable([("ID", .left), ("TAKEN", .left), ("INTERFACES", .left), ("FILES", .right), ("RESTORED", .left)])
            for (snapshot, id, problem) in rows {
                table.add([
                    id, snapshot?.createdAt ?? "corrupt: \(problem ?? "")", snapshot.map { $0.policy.interfaces.isEmpty ? "all" : $0.policy.interfaces.joined(separator: ",") } ?? "",
                    snapshot.map { String($0.files.count) } ?? "", snapshot?.restoredAt ?? "",
                ])
            }
            table.render(console: console).forEach(console.print)
        }
    }
}
