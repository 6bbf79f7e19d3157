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
                Exit status follows the Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN \
                (nothing could be read). With --root, a snapshot is one moment: the static findings are made, \
                and the CPU and softirq counters give averages since boot instead of current rates.
                """
        )

        @Argument(help: "Interfaces to examine (default: all with queues).")
        var interfaces: [String] = []

        @Option(name: .long, help: "How long to sample the live host (e.g. 5s, 500ms).")
        var duration = DurationArgument(seconds: 5)

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
            let inventory = HostInventory.read(from: root, selection: selection, facts: facts, namespaces: namespaceOptions.scope)
            issues += inventory.issues

            let sampler = Sampler(root: root, inventory: inventory)
            let console = Console()
            var rates: CounterRates?
            var sinceBoot = false
            if root.isLiveSystem {
                let first = sampler.sample()
                Progress(console: console, quiet: output.json).wait(duration.seconds, label: "sampling")
                let second = sampler.sample()
                issues += second.issues
                rates = CounterRates(from: first, to: second)
            } else {
                let sample = sampler.sample()
                issues += sample.issues
                if let uptime = CounterSample.uptime(from: root), sample.cpuTimes != nil || sample.softirqs != nil {
                    rates = CounterRates(from: CounterSample.bootBaseline(for: sample, uptime: uptime), to: sample)
                    sinceBoot = true
                } else {
                    issues.append(HostIssue(path: root.absolute("proc/uptime"), message: "snapshot has no counters with uptime: only static findings are made"))
                }
            }
            var sysctlIssues: [HostIssue] = []
            let sysctls = Sysctl.read(DiagnoseSysctls.names, from: root, issues: &sysctlIssues)
            issues += sysctlIssues
            let diagnosis = Diagnosis(
                inventory: inventory, rates: rates, ratesSinceBoot: sinceBoot, sysctls: sysctls,
                irqbalance: ProcessScan.find(["irqbalance"], from: root), issues: issues)

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

/// The tunables `diagnose` reads: those it recommends, and those its fixes mention.
enum DiagnoseSysctls {
    static let names = SysctlRecommendation.connectionManagerHost.map(\.name) + ["net.core.netdev_budget", "net.core.netdev_budget_usecs"]
}
