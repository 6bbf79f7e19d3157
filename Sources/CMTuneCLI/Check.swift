import ArgumentParser
import Foundation
import HostKit
import Tuning

extension CMTune {
    /// `cmtune check`: is the host still as the persisted policy wants it?
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Compare the host with what 'spread --persist' and 'sysctl --apply --persist' saved (like tuned-adm verify).",
            discussion: """
                Plans the persisted spread policy on the host as it is now and reads every tunable of the persisted \
                sysctl file: anything that would change is drift (irqbalance, a driver reload or a hand edit moved it). \
                Exit status: 0 the host matches, 1 it differs (each difference listed), 2 nothing persisted to check \
                against, or a usage error.
                """
        )

        @Option(name: .long, help: ArgumentHelp("The spread policy to check against (default /etc/cmtune/spread.json under the root).", valueName: "FILE"))
        var policyFile: String?

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            let root = rootOptions.hostRoot
            let console = Console()
            var report = DriftReport()
            var issues: [HostIssue] = []

            let policyPath = policyFile ?? root.absolute(SpreadPersistence.policyPath)
            if StateFiles.exists(policyPath) {
                let policy: SpreadPolicy
                do {
                    policy = try SpreadPersistence.loadPolicy(at: policyPath)
                } catch {
                    Console.error("\(error)")
                    throw ExitCode(2)
                }
                let facts = FactsSource.forRoot(root, issues: &issues)
                var inventory = HostInventory.read(from: root, selection: policy.interfaces.isEmpty ? .withQueues : .named(policy.interfaces), facts: facts)
                if root.isLiveSystem && policy.interfaces.isEmpty { inventory.interfaces.removeAll { $0.inferredFromIRQNames } }
                issues += inventory.issues
                let topology = CPUTopology.read(from: root, detail: .full, fallbackOnline: CPUSet(inventory.interrupts.cpus), issues: &issues)
                let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: policy).plan()
                report.add(spreadPlan: plan, source: policyPath)
                let names = inventory.interfaces.map(\.name)
                report.checked.append("spread policy \(policyPath) (\(names.isEmpty ? "no interface" : names.joined(separator: ", ")))")
            }
            let sysctlPath = root.absolute(SysctlPersistence.relativePath)
            if StateFiles.exists(sysctlPath) {
                do {
                    let text = String(decoding: try StateFiles.read(sysctlPath), as: UTF8.self)
                    report.add(sysctlFile: text, source: sysctlPath) { name in try? Sysctl.read(name, from: root) }
                } catch {
                    issues.append(HostIssue(error))
                }
            }
            if report.checked.isEmpty {
                let message =
                    "nothing persisted to check against under \(root.path): no \(policyPath) and no \(sysctlPath) (see 'cmtune spread --persist', 'cmtune sysctl --apply --persist')"
                if output.json {
                    console.print(JSONValue.object([("status", .string("nothing-to-check")), ("message", .string(message))]).rendered(pretty: true))
                }
                Console.error(message)
                throw ExitCode(2)
            }
            if output.json {
                console.print(
                    JSONValue.object([
                        ("status", .string(report.matches ? "matches" : "drift")),
                        ("checked", .array(report.checked.map { .string($0) })),
                        (
                            "differences",
                            .array(
                                report.differences.map { difference in
                                    .object([
                                        ("subject", .string(difference.subject)), ("now", .string(difference.now)), ("wanted", .string(difference.wanted)),
                                        ("source", .string(difference.source)),
                                    ])
                                })
                        ),
                        ("notes", .array(report.notes.map { .string($0) })),
                        ("issues", HostJSON.issues(issues)),
                    ]).rendered(pretty: true))
            } else {
                if report.matches {
                    console.print(console.paint("MATCHES", .bold) + ": the host is as persisted (" + report.checked.joined(separator: "; ") + ")")
                } else {
                    console.print(
                        console.paint("DRIFT", .yellow) + ": \(Plural.count(report.differences.count, "difference")) from "
                            + report.checked.joined(separator: "; "))
                    var table = TextTable([("SETTING", .left), ("NOW", .left), ("PERSISTED", .left)])
                    for difference in report.differences { table.add([difference.subject, difference.now, difference.wanted]) }
                    table.render(console: console, indent: "  ").forEach(console.print)
                    console.print("put it back with: cmtune spread --policy-file \(policyPath)   (and: cmtune sysctl --apply)")
                }
                for note in report.notes { console.print("note: \(note)") }
            }
            _ = Console.report(issues)
            if !report.matches { throw ExitCode(1) }
        }
    }
}
