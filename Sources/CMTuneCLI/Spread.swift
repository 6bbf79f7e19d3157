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
                the NIC allows. Every apply saves a snapshot first ('cmtune restore' puts it back). \
                Exit status: 0 applied (or nothing to do), 1 a write failed and everything was rolled back, 2 refused.
                """
        )

        @Argument(help: "Interfaces to spread (default: every NIC with queues).")
        var interfaces: [String] = []

        @Flag(name: .long, help: "Show the plan as a before/after diff; write nothing.")
        var dryRun = false

        @Option(name: .long, help: ArgumentHelp("CPUs that may take network work (default: all online).", valueName: "LIST"))
        var cpus: String?

        @Option(name: .long, help: ArgumentHelp("CPUs never to use, on top of isolated and nohz_full ones.", valueName: "LIST"))
        var excludeCPUs: String?

        @Option(name: .long, help: ArgumentHelp("Channel count: max (what NIC and CPUs allow), keep, or a number.", valueName: "max|keep|N"))
        var channels: SpreadPolicy.Channels = .max

        @Option(name: .long, help: "RPS: auto (when fewer receive queues than CPUs), on, off.")
        var rps: SpreadPolicy.Switch = .auto

        @Option(name: .long, help: ArgumentHelp("RFS: auto (with RPS), off, or the global socket-flow entries.", valueName: "auto|off|ENTRIES"))
        var rfs: SpreadPolicy.RFS = .auto

        @Option(name: .long, help: "XPS: auto/on (tx queue N from the CPU of rx queue N), off.")
        var xps: SpreadPolicy.Switch = .auto

        @Option(name: .long, help: "If irqbalance runs: refuse, ban (its config bans the placed IRQs), stop (restore restarts it), ignore.")
        var irqbalance: IRQBalancePolicy = .refuse

        @Flag(name: .long, help: "Also install a systemd unit and udev rule that re-apply this policy at boot and when the interface appears.")
        var persist = false

        @Flag(name: .long, help: "With --persist: remove the unit, rule and saved policy instead.")
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
        }

        func policy() throws -> SpreadPolicy {
            if let policyFile {
                let path = policyFile.hasPrefix("/") ? policyFile : FileManager.default.currentDirectoryPath + "/" + policyFile
                return try SpreadPersistence.loadPolicy(at: path)
            }
            return SpreadPolicy(
                interfaces: interfaces, cpus: try cpus.map { try CPUSet(parsingList: $0) }, excludedCPUs: try excludeCPUs.map { try CPUSet(parsingList: $0) } ?? [],
                channels: channels, rps: rps, rfs: rfs, xps: xps, irqbalance: irqbalance)
        }

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            let live = root.isLiveSystem
            let services: (any ServiceManager)? = live ? LiveServiceManager() : nil
            let persistence = SpreadPersistence(root: root, services: services, executable: Self.executablePath())

            if persist && remove {
                let removed = persistence.remove()
                report(console, removed.isEmpty ? "nothing to remove: no persisted spread policy under \(root.path)" : "removed: " + removed.joined(separator: ", "))
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
                return try refuse(["spread writes /proc/irq and /sys/class/net and sets channels: run it as root (it needs CAP_SYS_ADMIN and CAP_NET_ADMIN), or use --dry-run"], console: console)
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
            let inventory = readInventory()
            let unknown = inventory.issues.filter { $0.message.hasPrefix("no interface named") }
            if !unknown.isEmpty { return try refuse(unknown.map(\.description), console: console) }
            var topologyIssues: [HostIssue] = []
            let topology = CPUTopology.read(from: root, detail: .full, fallbackOnline: CPUSet(inventory.interrupts.cpus), issues: &topologyIssues)
            let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: policy).plan()
            let irqbalanceState = IRQBalanceState.read(from: root, services: services)

            var refusals = plan.refusals
            if irqbalanceState.isRunning && policy.irqbalance == .refuse && !dryRun {
                refusals.append(
                    "irqbalance is running (pid \(irqbalanceState.pids.map(String.init).joined(separator: ", "))): it would undo this placement within 10 s; re-run with --irqbalance ban, stop or ignore")
            }
            if !refusals.isEmpty { return try refuse(refusals, console: console) }
            if dryRun {
                if output.json {
                    console.print(SpreadJSON.plan(plan, refusals: [], dryRun: true).rendered(pretty: true))
                } else if !quiet {
                    console.print(SpreadText(console: console).plan(plan, policy: policy, refusals: [], dryRun: true))
                }
                return
            }

            let store = SnapshotStore(directory: stateDir ?? root.absolute("var/lib/cmtune/snapshots"))
            let transaction = SpreadTransaction(root: root, store: store, channelControl: live ? LiveChannelControl() : nil, policy: policy)
            var finalPlan = plan
            if transaction.applyChannels(plan.channelChanges), !plan.channelChanges.isEmpty {
                // New channels mean new queues and IRQs: plan the rest on what is there now.
                var settled = policy
                settled.channels = .keep
                let refreshed = readInventory()
                finalPlan = SpreadPlanner(inventory: refreshed, topology: topology, policy: settled).plan()
                finalPlan.channelChanges = plan.channelChanges
            }
            var irqbalanceNote: String?
            if transaction.status == .applied, irqbalanceState.isRunning {
                let placed = finalPlan.placements.compactMap(\.irq)
                switch IRQBalanceCoordinator(root: root, services: services).apply(policy.irqbalance, state: irqbalanceState, irqs: placed) {
                case .success(let saved?):
                    _ = transaction.record(irqbalance: saved)
                    irqbalanceNote = saved.action == "stop" ? "irqbalance stopped and disabled (restore starts it again)" : "irqbalance now bans IRQs \(placed.map(String.init).joined(separator: ","))"
                case .success(nil):
                    irqbalanceNote = policy.irqbalance == .ignore ? "irqbalance is running and will move these IRQs again (--irqbalance ignore)" : nil
                case .failure(let problem):
                    return try refuse(["\(problem)"], console: console)
                }
            }
            _ = transaction.applyWrites(finalPlan.writes)
            var persisted: [String] = []
            if persist && transaction.status == .applied {
                switch persistence.install(policy) {
                case .success(let files):
                    persisted = files
                    if let services, !services.hasSystemd {
                        Console.error("note: systemd is not running here; where it runs, enable the unit with: systemctl enable \(SpreadPersistence.unitName)")
                    }
                case .failure(let problem): Console.error("applied, but --persist failed: \(problem)")
                }
            }
            if output.json {
                console.print(SpreadJSON.result(transaction, plan: finalPlan, irqbalance: irqbalanceNote, persisted: persisted).rendered(pretty: true))
            } else if !quiet || transaction.status != .applied {
                console.print(SpreadText(console: console).result(transaction, plan: finalPlan, irqbalance: irqbalanceNote, persisted: persisted))
            }
            switch transaction.status {
            case .applied: return
            case .rolledBack: throw ExitCode(1)
            case .refused: throw ExitCode(2)
            }
        }

        private func refuse(_ reasons: [String], console: Console) throws {
            for reason in reasons { Console.error("refused: \(reason)") }
            if output.json {
                console.print(JSONValue.object([("status", .string("refused")), ("refusals", .array(reasons.map { .string($0) }))]).rendered(pretty: true))
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
