import ArgumentParser
import Foundation
import HostKit
import Tuning

extension CMTune {
    /// `cmtune spread`: plan and apply IRQ affinity, RPS, RFS, XPS and channels, as a transaction.
    struct Spread: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "spread",
            abstract: "Spread NIC interrupts and packet steering across cores: plan, apply as a transaction, restore exactly.",
            discussion: """
                Each receive queue's IRQ goes to its own physical core, NUMA-local first, SMT siblings last, never on \
                isolated, nohz_full or excluded CPUs; RPS covers NICs with fewer queues than CPUs; RFS is sized per the \
                kernel's scaling guide; XPS sends each tx queue from the CPU of its rx queue; channels are raised where \
                the NIC allows. --dry-run prints the very plan an apply carries out, the steps after a channel change \
                included. An apply that changes something saves a snapshot first ('cmtune restore' puts it back); \
                SIGINT, SIGTERM or SIGHUP during an apply roll back what was written. \
                Exit status: 0 applied (or nothing to do), 1 a write failed and everything was rolled back, 2 refused \
                (nothing written), 128+N interrupted by signal N and rolled back.
                """
        )

        @Argument(help: "Interfaces to spread (default: every NIC with queues).")
        var interfaces: [String] = []

        @Flag(name: .long, help: "Show the plan as a before/after diff; write nothing.")
        var dryRun = false

        @Option(name: .long, help: ArgumentHelp("CPUs that may take network work (default: all online).", valueName: "LIST"))
        var cpus: String?

        @Option(name: .customLong("exclude-cpus"), help: ArgumentHelp("CPUs never to use, on top of isolated and nohz_full ones.", valueName: "LIST"))
        var excludeCPUs: String?

        @Option(
            name: .customLong("cpus-for-irqs"), parsing: .unconditional,
            help: ArgumentHelp(
                "Keep IRQs and RPS on this many CPUs (whole cores near the NICs) and print the rest for the application (perftune's split).",
                valueName: "N"))
        var cpusForIRQs: String?

        @Option(
            name: .customLong("app-unit"),
            help: ArgumentHelp("With --cpus-for-irqs --persist: pin this systemd unit to the application's CPUs (a CPUAffinity= drop-in).", valueName: "UNIT"))
        var applicationUnit: String?

        @Option(
            name: .long, parsing: .unconditional,
            help: ArgumentHelp("Channel count: max (what NIC and CPUs allow), keep, or a number.", valueName: "max|keep|N"))
        var channels: String = "max"

        @Option(name: .long, help: "RPS: auto (when fewer receive queues than CPUs), on, off.")
        var rps: SpreadPolicy.Switch = .auto

        @Option(
            name: .long, parsing: .unconditional,
            help: ArgumentHelp("RFS: auto (with RPS), off, or the global socket-flow entries.", valueName: "auto|off|ENTRIES"))
        var rfs: String = "auto"

        @Option(name: .long, help: "XPS: auto/on (tx queue N from the CPU of rx queue N), off.")
        var xps: SpreadPolicy.Switch = .auto

        @Option(name: .long, help: "If irqbalance runs: refuse, ban (its config bans the placed IRQs), stop (restore restarts it), ignore.")
        var irqbalance: IRQBalancePolicy = .refuse

        @Flag(name: .long, help: "Also install a systemd unit and udev rule that re-apply this policy at boot and when its interfaces appear.")
        var persist = false

        @Flag(name: .long, help: "With --persist: remove the unit, rule, drop-in and saved policy instead.")
        var remove = false

        @Option(name: .long, help: ArgumentHelp("Apply a policy saved by --persist (other policy options are ignored).", valueName: "FILE"))
        var policyFile: String?

        @Option(name: .long, help: ArgumentHelp("Where snapshots are kept (default /var/lib/cmtune/snapshots under the root).", valueName: "DIR"))
        var stateDir: String?

        @Flag(name: .long, help: "Print only problems (for the boot-time unit).")
        var quiet = false

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if remove && !persist { throw ValidationError("--remove goes with --persist") }
            if dryRun && (persist || remove) { throw ValidationError("--dry-run writes nothing; it does not go with --persist") }
            if applicationUnit != nil && cpusForIRQs == nil {
                throw ValidationError("--app-unit goes with --cpus-for-irqs (it pins the unit to the CPUs the IRQs leave)")
            }
            if let unit = applicationUnit, SpreadPersistence.unitName(unit) == nil {
                throw ValidationError("--app-unit '\(unit)': not a systemd unit name (letters, digits and -_.@: only)")
            }
            if let count = cpusForIRQs, Int(count).map({ $0 < 1 }) ?? true {
                throw ValidationError("--cpus-for-irqs '\(count)': give a whole number of CPUs, 1 or more")
            }
            if SpreadPolicy.Channels(argument: channels) == nil {
                throw ValidationError("--channels '\(channels)': give max, keep or a whole number of channels, 1 or more")
            }
            if SpreadPolicy.RFS(argument: rfs) == nil {
                throw ValidationError("--rfs '\(rfs)': give auto, off or a number of socket-flow entries between 1 and 1073741824")
            }
        }

        func policy() throws -> SpreadPolicy {
            if let policyFile {
                let path = policyFile.hasPrefix("/") ? policyFile : FileManager.default.currentDirectoryPath + "/" + policyFile
                return try SpreadPersistence.loadPolicy(at: path)
            }
            return SpreadPolicy(
                interfaces: interfaces, cpus: try cpus.map { try CPUSet(parsingList: $0) },
                excludedCPUs: try excludeCPUs.map { try CPUSet(parsingList: $0) } ?? [],
                channels: SpreadPolicy.Channels(argument: channels) ?? .max, rps: rps, rfs: SpreadPolicy.RFS(argument: rfs) ?? .auto, xps: xps,
                irqbalance: irqbalance, irqCPUCount: cpusForIRQs.flatMap { Int($0) }, applicationUnit: applicationUnit.flatMap(SpreadPersistence.unitName))
        }

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            let live = root.isLiveSystem
            let services: (any ServiceManager)? = live ? LiveServiceManager() : nil

            if persist && remove {
                let removed = SpreadPersistence(root: root, services: services, executable: "").remove()
                report(
                    console,
                    removed.isEmpty ? "nothing to remove: no persisted spread policy under \(root.path)" : "removed: " + removed.joined(separator: ", "))
                return
            }
            // Bad CPU lists are refusals (exit 2), like every other reason not to write.
            let listProblems = [("--cpus", cpus), ("--exclude-cpus", excludeCPUs)].compactMap { flag, value in
                value.flatMap { CPUListArgument.problem($0) }.map { "\(flag): \($0)" }
            }
            if !listProblems.isEmpty { return try refuse(listProblems, console: console) }
            let policy: SpreadPolicy
            do {
                policy = try self.policy()
            } catch {
                return try refuse(["\(error)"], console: console)
            }
            if live && !dryRun && geteuid() != 0 {
                return try refuse(
                    [
                        "spread writes /proc/irq and /sys/class/net and sets channels: run it as root (it needs CAP_SYS_ADMIN and CAP_NET_ADMIN), or use --dry-run"
                    ], console: console)
            }

            var issues: [HostIssue] = []
            let facts = FactsSource.forRoot(root, issues: &issues)
            let selection: HostInventory.Selection = policy.interfaces.isEmpty ? .withQueues : .named(policy.interfaces)
            func readInventory() -> HostInventory {
                var inventory = HostInventory.read(from: root, selection: selection, facts: facts)
                // On a live host, devices known only from IRQ names are NICs of other network
                // namespaces: spread them only when named.
                if live && policy.interfaces.isEmpty { inventory.interfaces.removeAll { $0.inferredFromIRQNames } }
                return inventory
            }
            let irqbalanceState = IRQBalanceState.read(from: root, services: services)
            /// The plan on the host as it is now, or the reasons not to write anything.
            func makePlan() -> (plan: SpreadPlan, refusals: [String]) {
                let inventory = readInventory()
                let unknown = inventory.issues.filter { $0.message.hasPrefix("no interface named") }
                if !unknown.isEmpty { return (SpreadPlan(), unknown.map(\.description)) }
                var topologyIssues: [HostIssue] = []
                let topology = CPUTopology.read(from: root, detail: .full, fallbackOnline: CPUSet(inventory.interrupts.cpus), issues: &topologyIssues)
                let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: policy).plan()
                var refusals = plan.refusals
                if irqbalanceState.isRunning && policy.irqbalance == .refuse && !dryRun && !plan.isEmpty {
                    refusals.append(
                        "irqbalance is running (pid \(irqbalanceState.pids.map(String.init).joined(separator: ", "))): it would undo this placement within 10 s; re-run with --irqbalance ban, stop or ignore"
                    )
                }
                return (plan, refusals)
            }
            var (plan, refusals) = makePlan()
            if !refusals.isEmpty { return try refuse(refusals, plan: plan, console: console) }
            if dryRun {
                if output.json {
                    console.print(SpreadJSON.plan(plan, refusals: [], dryRun: true).rendered(pretty: true))
                } else if !quiet {
                    console.print(SpreadText(console: console).plan(plan, policy: policy, refusals: [], dryRun: true))
                }
                return
            }

            // One writer at a time; an apply that a killed process left half done is rolled back
            // first, and then the plan is made again on the host as the snapshots describe it.
            let store = SnapshotStore(directory: stateDir ?? root.absolute("var/lib/cmtune/snapshots"))
            let channelControl: (any ChannelControl)? = live ? LiveChannelControl() : nil
            let session: StateSession
            do {
                session = try StateSession.open(
                    store: store, restorer: SpreadRestorer(root: root, store: store, channelControl: channelControl, services: services))
            } catch {
                return try refuse([error.description], plan: plan, console: console)
            }
            for message in session.messages { Console.error(message) }
            // The lock is held until the command ends, not only until its last mention.
            defer { withExtendedLifetime(session) {} }
            if !session.recovered.isEmpty {
                (plan, refusals) = makePlan()
                if !refusals.isEmpty { return try refuse(refusals, plan: plan, console: console) }
            }

            // A stop signal during the apply is noted; the transaction rolls back at its next step.
            StoppableWait.install()
            let coordinator = IRQBalanceCoordinator(root: root, services: services)
            var irqbalanceNote: String?
            let hooks = SpreadTransaction.Hooks(
                interruption: { StoppableWait.stopSignalName }, afterStep: ApplyTestHook.afterStep(),
                resolveVectors: { references in Self.irqs(serving: references, in: readInventory()) },
                irqbalance: { irqs in
                    guard irqbalanceState.isRunning else { return .success(nil) }
                    let result = coordinator.apply(policy.irqbalance, state: irqbalanceState, irqs: irqs)
                    if case .success(let saved) = result {
                        switch saved?.action {
                        case "stop": irqbalanceNote = "irqbalance stopped and disabled (restore starts it again)"
                        case "ban": irqbalanceNote = "irqbalance now bans IRQs \(irqs.map(String.init).joined(separator: ","))"
                        default:
                            if policy.irqbalance == .ignore { irqbalanceNote = "irqbalance is running and will move these IRQs again (--irqbalance ignore)" }
                        }
                    }
                    return result
                })
            let transaction = SpreadTransaction(
                root: root, store: store, channelControl: channelControl, services: services, origin: .spread, policy: policy, hooks: hooks)
            transaction.apply(plan)
            var persisted: [String] = []
            if persist && (transaction.status == .applied || transaction.status == .unchanged) {
                persisted = install(policy: policy, plan: plan, root: root, services: services)
            }
            if output.json {
                console.print(SpreadJSON.result(transaction, plan: plan, irqbalance: irqbalanceNote, persisted: persisted).rendered(pretty: true))
            } else if !quiet || transaction.status != .applied {
                console.print(SpreadText(console: console).result(transaction, plan: plan, irqbalance: irqbalanceNote, persisted: persisted))
            }
            if let applicationCPUs = plan.applicationCPUs, !output.json, !quiet {
                console.print(
                    "application CPUs: \(applicationCPUs.listString)   (taskset -c \(applicationCPUs.listString) CMD, or CPUAffinity=\(applicationCPUs.listString) in its unit)"
                )
            }
            switch transaction.status {
            case .applied, .unchanged: return
            case .rolledBack: throw ExitCode(transaction.interruptedBy == nil ? 1 : StoppableWait.stopExitStatus)
            case .refused: throw ExitCode(2)
            }
        }

        /// The IRQ serving each queue vector now, from a fresh reading of the host.
        static func irqs(serving references: [QueueVectorReference], in inventory: HostInventory) -> [QueueVectorReference: Int] {
            var found: [QueueVectorReference: Int] = [:]
            for reference in references {
                guard let report = inventory.interfaces.first(where: { $0.name == reference.interface }),
                    let queue = report.queues.first(where: { $0.label == reference.queue && $0.irq != nil && !$0.irqShared })
                else { continue }
                found[reference] = queue.irq
            }
            return found
        }

        /// `--persist`: the policy, unit, rule (and drop-in), with a binary that survives reboots.
        private func install(policy: SpreadPolicy, plan: SpreadPlan, root: HostRoot, services: (any ServiceManager)?) -> [String] {
            let executable: String
            switch SpreadPersistence.stableExecutable(current: Self.executablePath(), root: root) {
            case .success(let (path, note)):
                executable = path
                if let note { Console.error("note: \(note)") }
            case .failure(let problem):
                Console.error("applied, but --persist failed: \(problem)")
                return []
            }
            let persistence = SpreadPersistence(root: root, services: services, executable: executable)
            switch persistence.install(policy, applicationCPUs: plan.applicationCPUs) {
            case .success(let files):
                if let services, !services.hasSystemd {
                    Console.error("note: systemd is not running here; where it runs, enable the unit with: systemctl enable \(SpreadPersistence.unitName)")
                }
                return files
            case .failure(let problem):
                Console.error("applied, but --persist failed: \(problem)")
                return []
            }
        }

        private func refuse(_ reasons: [String], plan: SpreadPlan = SpreadPlan(), console: Console) throws {
            for reason in reasons { Console.error("refused: \(reason)") }
            if output.json {
                console.print(SpreadJSON.plan(plan, refusals: reasons, dryRun: dryRun).rendered(pretty: true))
            }
            throw ExitCode(2)
        }

        private func report(_ console: Console, _ text: String) {
            if output.json {
                console.print(JSONValue.object([("status", .string("done")), ("message", .string(text))]).rendered(pretty: true))
            } else {
                console.print(text)
            }
        }

        /// The running binary, so the unit and rule call this very cmtune.
        static func executablePath() -> String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/usr/local/bin/cmtune"
        }
    }
}
