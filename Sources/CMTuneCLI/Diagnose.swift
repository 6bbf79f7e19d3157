import ArgumentParser
import HostKit
import Tuning

extension CMTune {
    /// `cmtune diagnose`: sample, then rank the causes of single-CPU saturation.
    struct Diagnose: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diagnose",
            abstract: "Sample the host for a few seconds and rank what saturates a CPU, with the evidence and the fix.",
            discussion: """
                Judges from whatever evidence there is: interrupt counts decide where queue IRQs fire (affinity files \
                add to it), packets processed per CPU where receive work runs; then NIC drops, listen-queue \
                overflows, TCP memory, conntrack, the CM's descriptor limit and the sysctls a CM host needs. \
                With --root, a snapshot is one moment: counters give averages since boot, and a copy without CPU \
                counters gets a static verdict from its files and interrupt counts. Exit status follows the Nagios \
                plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (a check could not run: an interface \
                named that does not exist, an input that could not be read; or a usage error, or Ctrl-C while sampling).
                """
        )

        @Argument(help: "Interfaces to examine (default: all with queues).")
        var interfaces: [String] = []

        @Option(name: .long, parsing: .unconditional, help: "How long to sample the live host (e.g. 5s, 500ms).")
        var duration = DurationArgument(seconds: 5)

        @OptionGroup var manager: ConnectionManagerOptions
        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var namespaceOptions: NamespaceOptions

        func validate() throws {
            guard duration.seconds >= 0.2 && duration.seconds <= 3600 else {
                throw ValidationError("--duration \(duration): choose between 200ms and 1h")
            }
        }

        func run() throws {
            let root = rootOptions.hostRoot
            var issues: [HostIssue] = []
            let facts = FactsSource.forRoot(root, issues: &issues)
            // Every interface: a virtual one matters when it carries traffic, which only the
            // samples tell (see Diagnosis.relevant).
            let selection: HostInventory.Selection = interfaces.isEmpty ? .all : .named(interfaces)
            var inventory = HostInventory.read(from: root, selection: selection, facts: facts, namespaces: namespaceOptions.scope)
            issues += inventory.issues
            var topologyIssues: [HostIssue] = []
            let topology = CPUTopology.read(from: root, detail: .full, fallbackOnline: CPUSet(inventory.interrupts.cpus), issues: &topologyIssues)
            CoherentFixes.apply(to: &inventory, topology: topology)

            let sampler = Sampler(root: root, inventory: inventory)
            let stackSampler = StackSampler(root: root, interfaces: inventory.interfaces.filter { !$0.interface.isLoopback }.map(\.name))
            let console = Console()
            var rates: CounterRates?
            var sinceBoot = false
            var stack: StackEvidence?
            let context = manager.context(root: root)
            if root.isLiveSystem {
                let first = sampler.sample()
                let firstStack = stackSampler.read()
                Progress(console: console, quiet: output.json).wait(duration.seconds, label: "sampling")
                let second = sampler.sample()
                let secondStack = stackSampler.read()
                // An absent stack file (tcp_mem outside the initial namespace, no conntrack module)
                // leaves its rule unjudged; it is not a problem of its own.
                issues += second.issues + secondStack.issues.exceptAbsentFiles()
                rates = CounterRates(from: first, to: second)
                stack = StackEvidence(
                    from: firstStack, to: secondStack, window: "over \(NumberText.seconds(duration.seconds)) s", managers: context.processes,
                    context: context.sysctl)
            } else {
                let sample = sampler.sample()
                // A copy lacking counter files gets a static verdict that says so; each absent file
                // is not a problem of its own.
                issues += sample.issues.exceptAbsentFiles()
                if let uptime = CounterSample.uptime(from: root), sample.cpuTimes != nil || sample.softirqs != nil {
                    rates = CounterRates(from: CounterSample.bootBaseline(for: sample, uptime: uptime), to: sample)
                    sinceBoot = true
                }
                let reading = stackSampler.read()
                issues += reading.issues.exceptAbsentFiles()
                stack = StackEvidence(from: nil, to: reading, window: "since boot", managers: context.processes, context: context.sysctl)
            }
            var sysctlIssues: [HostIssue] = []
            let sysctls = Sysctl.read(DiagnoseSysctls.names, from: root, issues: &sysctlIssues)
            issues += sysctlIssues
            let diagnosis = Diagnosis(
                inventory: inventory, rates: rates, ratesSinceBoot: sinceBoot, sysctls: sysctls,
                irqbalance: ProcessScan.find(["irqbalance"], from: root), issues: issues,
                checksNotRun: DiagnoseChecks.notRun(requested: interfaces, inventory: inventory, issues: issues), stack: stack)

            if output.json {
                console.print(DiagnoseJSON.document(diagnosis).rendered(pretty: true))
            } else {
                console.print(DiagnoseText(console: console).render(diagnosis))
            }
            _ = Console.report(issues)
            let code = diagnosis.verdict.exitCode
            if code != 0 { throw ExitCode(code) }
        }
    }
}

/// Checks that could not run: the Nagios UNKNOWN of `diagnose`.
enum DiagnoseChecks {
    static func notRun(requested: [String], inventory: HostInventory, issues: [HostIssue]) -> [String] {
        var reasons: [String] = []
        let known = Set(inventory.interfaces.map(\.name))
        for name in requested where !known.contains(name) {
            reasons.append("no interface named '\(name)' here: nothing about it could be judged")
        }
        // An input that exists and could not be read (permissions, a FIFO, an I/O error) is a
        // check not made; a file that is simply absent (an older kernel, a partial copy) is not.
        var seen = Set<String>()
        for issue in issues where issue.message.hasPrefix("cannot read") || issue.message.hasPrefix("cannot list") || issue.message.hasPrefix("refusing") {
            if seen.insert(issue.path).inserted { reasons.append("\(issue.path) could not be read: \(issue.message)") }
        }
        return reasons
    }
}

/// The tunables `diagnose` reads: those it recommends, and those its fixes mention.
enum DiagnoseSysctls {
    static let names =
        SysctlRecommendation.connectionManagerHost.map(\.name) + [
            "net.core.netdev_budget", "net.core.netdev_budget_usecs", "net.ipv4.ip_local_reserved_ports",
        ]
}

extension Array where Element == HostIssue {
    /// Without the files that are simply not there (a counter file a copy lacks, tcp_mem outside
    /// the initial namespace): the verdict says what it rests on, each absence is not a problem.
    func exceptAbsentFiles() -> [HostIssue] { filter { !$0.message.hasPrefix("missing") } }
}
