import Foundation

/// A child process found through PATH (`/usr/bin/env`), with its stdout and stderr on pipes:
/// how verify starts `ip`, the CM and the load generator.
struct ChildProcess {
    let process: Process
    let output: Pipe
    let errors: Pipe

    static func launch(_ arguments: [String]) throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let child = ChildProcess(process: process, output: Pipe(), errors: Pipe())
        process.standardOutput = child.output
        process.standardError = child.errors
        try process.run()
        return child
    }
}
