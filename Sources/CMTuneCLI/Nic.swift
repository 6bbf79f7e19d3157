import ArgumentParser
import HostKit
import Tuning

extension CMTune {
    /// `cmtune nic`: the NIC inventory.
    struct Nic: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nic",
            abstract: "Show NICs: driver, NUMA node, channels, rings, coalescing, RSS, and each queue with its IRQ, affinity, RPS/RFS/XPS.",
            discussion: """
                Without names, shows every interface with hardware behind it or more than one queue. \
                Problems visible from one reading (all queue IRQs on one CPU, a single queue without RPS, \
                unused channels, IRQs on a remote NUMA node...) are listed under each interface. \
                Exit status 1 when something could not be read; the rest is still shown.
                """
        )

        @Argument(help: "Interfaces to show (default: all with queues).")
        var interfaces: [String] = []

        @Flag(name: .long, help: "Show every interface, loopback and single-queue virtual ones too.")
        var all = false

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var namespaceOptions: NamespaceOptions

        func validate() throws {
            if all && !interfaces.isEmpty { throw ValidationError("--all and interface names exclude each other") }
        }

        func run() throws {
            let root = rootOptions.hostRoot
            var issues: [HostIssue] = []
            let facts = FactsSource.forRoot(root, issues: &issues)
            let selection: HostInventory.Selection = all ? .all : interfaces.isEmpty ? .withQueues : .named(interfaces)
            var inventory = HostInventory.read(
                from: root, selection: selection, facts: facts, namespaces: namespaceOptions.scope, interfaceDetail: output.json ? .full : .steering,
                irqDetail: output.json ? .full : .placement)
            var topologyIssues: [HostIssue] = []
            let topology = CPUTopology.read(from: root, detail: .full, fallbackOnline: CPUSet(inventory.interrupts.cpus), issues: &topologyIssues)
            CoherentFixes.apply(to: &inventory, topology: topology)
            issues = inventory.issues + issues
            let console = Console()
            if output.json {
                console.print(NICJSON.document(inventory, issues: issues).rendered(pretty: true))
            } else {
                console.print(NICText(console: console).render(inventory))
            }
            let status = Console.report(issues)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
