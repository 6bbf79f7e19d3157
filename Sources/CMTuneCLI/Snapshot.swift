import ArgumentParser
import HostKit
import Netlink

extension CMTune {
    /// `cmtune snapshot -o DIR`: copy what cmtune reads, for offline analysis with `--root DIR`.
    struct Snapshot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "snapshot",
            abstract: "Copy the /proc and /sys files cmtune reads into DIR (same relative paths), plus netlink facts as JSON.",
            discussion: """
                Analyse the copy anywhere with 'cmtune nic --root DIR', 'cmtune irq --root DIR'. \
                Symbolic links in sysfs are recreated, so the copy resolves like the original.
                """
        )

        @Option(name: .shortAndLong, help: ArgumentHelp("Directory to write (created if missing; must be empty or new).", valueName: "DIR"))
        var output: String

        @OptionGroup var rootOptions: RootOptions

        @Flag(name: .long, help: "Print a JSON summary instead of text.")
        var json = false

        func run() throws {
            let source = HostRoot(rootOptions.root, recorder: AccessRecorder())
            let snapshot = HostSnapshot(source: source, destination: output)
            switch snapshot.destinationState {
            case .empty: break
            case .previousSnapshot:
                do {
                    try snapshot.removePreviousSnapshot()
                } catch {
                    Console.error("cannot replace the earlier snapshot: \(error)")
                    throw ExitCode(2)
                }
            case .occupied:
                Console.error("-o \(output): directory is not empty and is not a cmtune snapshot; give an empty or new directory")
                throw ExitCode(2)
            }
            var issues: [HostIssue] = []
            let facts = FactsSource.forRoot(source, issues: &issues)
            let inventory = HostInventory.read(from: source, selection: .all, irqScope: .all, facts: facts)
            _ = CPUTopology.read(from: source, detail: .full, issues: &issues)
            for path in HostSnapshot.additionalFiles { _ = try? source.readIfPresent(path) }
            // What `diagnose --root` reads: counters, tunables, and whether irqbalance runs.
            _ = Sampler(root: source, inventory: inventory).sample()
            _ = Sysctl.read(DiagnoseSysctls.names, from: source, issues: &issues)
            _ = ProcessScan.find(["irqbalance"], from: source)
            issues += inventory.issues

            let summary: HostSnapshot.Summary
            do {
                summary = try snapshot.copy(source.recorder!.accesses)
                try snapshot.store(SnapshotMetadata.current(root: source).rendered(pretty: true).utf8Array, at: HostSnapshot.metadataPath)
                if facts != nil {
                    try snapshot.store(StoredDeviceFacts.encode(inventory.interfaces.compactMap(\.facts)), at: StoredDeviceFacts.path)
                }
            } catch {
                Console.error(error.description)
                throw ExitCode(2)
            }
            let console = Console()
            if json {
                console.print(
                    JSONValue.object([
                        ("directory", .string(output)), ("files", .int(summary.files)), ("links", .int(summary.links)),
                        ("directories", .int(summary.directories)), ("skipped", HostJSON.issues(summary.skipped)),
                        ("issues", HostJSON.issues(issues)),
                    ]).rendered(pretty: true))
            } else {
                console.print(
                    "snapshot of \(source.path) written to \(output): \(summary.files) files, \(summary.links) links, \(summary.directories) directories")
                if !summary.skipped.isEmpty {
                    console.print("\(summary.skipped.count) paths not copied (unreadable or vanished), e.g. \(summary.skipped[0].description)")
                }
                console.print("analyse it with: cmtune nic --root \(output)   or   cmtune irq --root \(output)")
            }
            let status = Console.report(issues)
            if status != 0 { throw ExitCode(status) }
        }
    }
}
