import ArgumentParser
import Foundation
import HostKit
import Tuning

extension CMTune {
    /// `cmtune sysctl`: the kernel limits a CM host needs, shown, applied as a transaction, persisted.
    struct SysctlCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sysctl",
            abstract: "Show, apply (--apply) and persist (--persist) the kernel limits a connection-manager host needs.",
            discussion: """
                The advice is made safe for this host: a wider ephemeral port range comes with \
                net.ipv4.ip_local_reserved_ports for the ports the host listens on (or --ports), and fs.nr_open with the \
                LimitNOFILE of the CM's unit and running process, which cap it more than any tunable. --apply writes the \
                tunables as a transaction, like spread: snapshot first, each value read back, everything rolled back on \
                a failure or a signal, undone by 'cmtune restore'. --persist also writes /etc/sysctl.d/90-cmtune.conf \
                (restore puts back the file as it was). Exit status: 0 shown or applied, 1 a write failed and \
                everything was rolled back, 2 refused, 128+N interrupted by signal N and rolled back.
                """
        )

        @Flag(name: .long, help: "Write the recommended values (as root).")
        var apply = false

        @Flag(name: .long, help: "With --apply: also write /etc/sysctl.d/90-cmtune.conf so a boot sets them.")
        var persist = false

        @OptionGroup var manager: ConnectionManagerOptions

        @Option(name: .long, help: ArgumentHelp("Where snapshots are kept (default /var/lib/cmtune/snapshots under the root).", valueName: "DIR"))
        var stateDir: String?

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if persist && !apply { throw ValidationError("--persist goes with --apply") }
        }

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            var issues: [HostIssue] = []
            let values = Sysctl.read(DiagnoseSysctls.names, from: root, issues: &issues)
            let context = manager.context(root: root)
            let advice = SysctlAdvice(values: values, context: context.sysctl)
            let plan = SysctlPlanner.plan(advice)

            guard apply else {
                if output.json {
                    console.print(SysctlJSON.advice(advice, plan: plan, context: context).rendered(pretty: true))
                } else {
                    console.print(SysctlText(console: console).advice(advice, plan: plan, context: context))
                }
                _ = Console.report(issues)
                return
            }
            if root.isLiveSystem && geteuid() != 0 {
                Console.error("refused: sysctl --apply writes /proc/sys: run it as root")
                throw ExitCode(2)
            }
            let store = SnapshotStore(directory: stateDir ?? root.absolute("var/lib/cmtune/snapshots"))
            let restorer = SpreadRestorer(root: root, store: store, channelControl: nil, services: nil)
            let session: StateSession
            do {
                session = try StateSession.open(store: store, restorer: restorer)
            } catch {
                Console.error("refused: \(error)")
                throw ExitCode(2)
            }
            for message in session.messages { Console.error(message) }
            // The lock is held until the command ends, not only until its last mention.
            defer { withExtendedLifetime(session) {} }
            var configFiles: [(path: String, content: String)] = []
            if persist {
                let existing = (try? StateFiles.read(root.absolute(SysctlPersistence.relativePath))).map { String(decoding: $0, as: UTF8.self) }
                let text = SysctlPersistence.text(advice.items.filter { $0.found != nil }, existing: existing)
                if text != existing { configFiles.append((SysctlPersistence.relativePath, text)) }
            }
            // A stop signal during the apply is noted; the transaction rolls back at its next step.
            StoppableWait.install()
            let transaction = SpreadTransaction(
                root: root, store: store, channelControl: nil, origin: .sysctl, policy: nil,
                hooks: SpreadTransaction.Hooks(interruption: { StoppableWait.stopSignalName }, afterStep: ApplyTestHook.afterStep()))
            transaction.apply(plan, configFiles: configFiles)
            if output.json {
                console.print(SysctlJSON.result(transaction, plan: plan, persisted: configFiles.map { root.absolute($0.path) }).rendered(pretty: true))
            } else {
                console.print(SysctlText(console: console).result(transaction, plan: plan, persisted: configFiles.map { root.absolute($0.path) }))
            }
            _ = Console.report(issues)
            switch transaction.status {
            case .applied, .unchanged: return
            case .rolledBack: throw ExitCode(transaction.interruptedBy == nil ? 1 : StoppableWait.stopExitStatus)
            case .refused: throw ExitCode(2)
            }
        }
    }
}

/// The human view of `cmtune sysctl`.
struct SysctlText {
    let console: Console

    func advice(_ advice: SysctlAdvice, plan: SpreadPlan, context: ConnectionManagerContext) -> String {
        var lines: [String] = []
        if advice.items.isEmpty {
            lines.append("every CM-host limit is met: nothing to change.")
        } else {
            var table = TextTable([("TUNABLE", .left), ("NOW", .left), ("RECOMMENDED", .left), ("WHY", .left)])
            for item in advice.items {
                table.add(styled: [
                    .init(text: item.name, style: nil), .init(text: item.found.map { $0.isEmpty ? "(unset)" : $0 } ?? "(absent)", style: .dim),
                    .init(text: item.recommended, style: .bold), .init(text: item.reason + (item.context.map { "; \($0)" } ?? ""), style: .dim),
                ])
            }
            lines += table.render(console: console)
        }
        for note in plan.notes { lines.append(console.paint("note: ", .dim) + note) }
        for skip in plan.skipped { lines.append(console.paint("skipped ", .yellow) + "\(skip.subject): \(skip.reason)") }
        if !context.processes.isEmpty {
            lines.append(
                "connection managers: "
                    + context.processes.map {
                        "\($0.name) (pid \($0.pid), open files \($0.openFilesSoft.map { NumberText.grouped(Double($0)) } ?? "unlimited"))"
                    }.joined(separator: ", "))
        }
        if !plan.isEmpty { lines.append("apply with: cmtune sysctl --apply --persist   (undo with: cmtune restore)") }
        return lines.joined(separator: "\n")
    }

    func result(_ transaction: SpreadTransaction, plan: SpreadPlan, persisted: [String]) -> String {
        var lines: [String] = []
        switch transaction.status {
        case .applied:
            for applied in transaction.applied {
                lines.append(
                    "\(applied.write.kind.sysctlName ?? applied.write.path) = \(applied.readBack)   (was \(applied.write.old.isEmpty ? "unset" : applied.write.old))"
                )
            }
            lines.append(
                console.paint("applied \(Plural.count(transaction.applied.count, "tunable")), each read back", .bold) + " (snapshot \(transaction.snapshot.id))"
            )
            if !persisted.isEmpty { lines.append("persisted: " + persisted.joined(separator: ", ")) }
            lines.append("undo with: cmtune restore" + (transaction.root.isLiveSystem ? "" : " --root \(transaction.root.path)"))
        case .unchanged:
            lines.append("nothing to change: every CM-host limit is met" + (persisted.isEmpty ? "" : "; persisted: " + persisted.joined(separator: ", ")))
        case .rolledBack:
            lines.append(
                console.paint(transaction.interruptedBy == nil ? "FAILED" : "INTERRUPTED", .red)
                    + ": \(transaction.interruptedBy.map { "by \($0)" } ?? transaction.failure?.description ?? "unknown failure"); every value written was put back"
            )
        case .refused:
            lines.append(console.paint("refused", .red) + ": \(transaction.failure?.description ?? "unknown")")
        }
        for problem in transaction.rollbackProblems { lines.append(console.paint("rollback problem: ", .red) + problem) }
        for note in plan.notes { lines.append(console.paint("note: ", .dim) + note) }
        return lines.joined(separator: "\n")
    }
}

/// `cmtune sysctl --json`, schema in docs/json.md.
enum SysctlJSON {
    static func advice(_ advice: SysctlAdvice, plan: SpreadPlan, context: ConnectionManagerContext) -> JSONValue {
        .object([
            ("status", .string(plan.isEmpty ? "met" : "advice")),
            ("items", .array(advice.items.map(item))),
            ("writes", .array(plan.writes.map(SpreadJSON.write))),
            ("notes", .array(plan.notes.map { .string($0) })),
            ("listeningPorts", .array(context.sysctl.listeningPorts.map { .int($0) })),
            (
                "connectionManagers",
                .array(
                    context.processes.map { process in
                        .object([
                            ("pid", .int(process.pid)), ("name", .string(process.name)),
                            ("openFilesSoft", .int(process.openFilesSoft.map { Int(clamping: $0) })),
                            ("openDescriptors", .int(process.openDescriptors)), ("connectionTarget", .int(process.connectionTarget)),
                        ])
                    })
            ),
        ])
    }

    static func item(_ item: SysctlAdvice.Item) -> JSONValue {
        .object([
            ("name", .string(item.name)), ("found", .string(item.found)), ("recommended", .string(item.recommended)), ("reason", .string(item.reason)),
            ("context", .string(item.context)), ("companionCommands", .array(item.companionCommands.map { .string($0) })),
        ])
    }

    static func result(_ transaction: SpreadTransaction, plan: SpreadPlan, persisted: [String]) -> JSONValue {
        let failure: JSONValue =
            transaction.failure.map {
                .object([("target", .string($0.target)), ("errno", .int($0.errno)), ("message", .string($0.message))])
            } ?? .null
        return .object([
            ("status", .string(transaction.status.rawValue)),
            ("snapshot", .string(transaction.status == .applied ? transaction.snapshot.id : nil)),
            ("applied", .array(transaction.applied.map(SpreadJSON.applied))),
            ("persisted", .array(persisted.map { .string($0) })),
            ("failure", failure),
            ("interruptedBy", .string(transaction.interruptedBy)),
            ("rollbackProblems", .array(transaction.rollbackProblems.map { .string($0) })),
            ("notes", .array(plan.notes.map { .string($0) })),
        ])
    }
}

extension PlannedWrite.Kind {
    var sysctlName: String? {
        if case .sysctl(let name) = self { return name }
        return nil
    }
}
