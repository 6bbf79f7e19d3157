import ArgumentParser
import HostKit

extension CMTune {
    /// `cmtune irq`: the IRQ table.
    struct IRQ: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "irq",
            abstract: "Show every IRQ: per-CPU counts, owning device and queue, affinity, effective affinity, managed or not.",
            discussion: """
                Columns are the online CPUs of /proc/interrupts, by their CPU ids. The owner comes from \
                netdev netlink, the device's msi_irqs, or the driver's IRQ naming scheme (column FROM). \
                Exit status 1 when something could not be read; the rest is still shown.
                """
        )

        @Flag(name: .long, help: "Only IRQs that belong to a network device.")
        var net = false

        @Flag(name: .long, help: "Leave out IRQs that never fired.")
        var active = false

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var namespaceOptions: NamespaceOptions

        func run() throws {
            let root = rootOptions.hostRoot
            var issues: [HostIssue] = []
            let facts = FactsSource.forRoot(root, issues: &issues)
            let inventory = HostInventory.read(
                from: root, selection: .all, irqScope: .all, facts: facts, namespaces: namespaceOptions.scope, interfaceDetail: .identity,
                irqDetail: output.json ? .full : .placement)
            issues = inventory.issues + issues
            var lines = inventory.interrupts.lines
            if net { lines = lines.filter { !inventory.ownership.owners(of: $0.irq).isEmpty } }
            if active { lines = lines.filter { $0.total > 0 } }
            let console = Console()
            if output.json {
                console.print(IRQJSON.document(inventory, lines: lines, issues: issues).rendered(pretty: true))
            } else {
                console.print(IRQText(console: console).render(inventory, lines: lines))
            }
            let status = Console.report(issues)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
