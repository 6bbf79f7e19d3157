import Foundation

/// Runs an administration tool (`ip`) to its end and returns its standard output: the testbed's
/// way to make namespaces and veth pairs, which HostKit's files cannot.
enum ToolCommand {
    /// PATH gains /usr/sbin and /sbin (where `ip` lives) and the locale is C, so messages are the
    /// same wherever the caller runs.
    @discardableResult
    static func run(_ arguments: [String]) throws(TestbedError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/sbin:/usr/bin:/bin"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .launch(arguments: arguments, detail: "\(error)")
        }
        // Read before waiting, so a chatty tool cannot fill a pipe and block.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .command(arguments: arguments, status: process.terminationStatus, message: message)
        }
        return String(decoding: outputData, as: UTF8.self)
    }
}
