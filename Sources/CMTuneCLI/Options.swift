import ArgumentParser
import HostKit

/// `--root DIR`: read a snapshot or fixture tree instead of the running host.
struct RootOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Read /proc and /sys under DIR (a 'cmtune snapshot' or a fixture tree) instead of the running host.", valueName: "DIR"))
    var root: String = "/"

    func validate() throws {
        guard HostRoot(root).isLiveSystem || HostRootCheck.isDirectory(root) else {
            throw ValidationError("--root \(root): not a directory")
        }
    }

    var hostRoot: HostRoot { HostRoot(root) }
}

/// `--json`: machine-readable output with the schema in docs/json.md.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (schema in docs/json.md) instead of tables.")
    var json = false
}

enum HostRootCheck {
    static func isDirectory(_ path: String) -> Bool {
        (try? HostRoot(path).list("")) != nil
    }
}
