import ArgumentParser
import HostKit

/// `--all-namespaces`: /proc/interrupts is global, so inside a container it names the host's
/// NICs; by default only this network namespace's interfaces are shown and judged.
struct NamespaceOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: "Inside a network namespace (a container), also show devices known only from the host's IRQ names.")
    var allNamespaces = false

    var scope: HostInventory.NamespaceScope { allNamespaces ? .all : .current }
}
