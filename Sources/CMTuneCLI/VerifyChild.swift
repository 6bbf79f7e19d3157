import Foundation

/// The children `verify` starts itself (the CM), waited for until they say they are ready.
enum VerifyChild {
    /// Starts a process and reads its stdout until `ready` matches a line (at most 30 s).
    static func start(_ arguments: [String], until ready: (String) -> Bool) throws -> (Process, [String]) {
        let child = try ChildProcess.launch(arguments)
        let (process, output, errors) = (child.process, child.output, child.errors)
        var lines: [String] = []
        var pending = ""
        let deadline = Date().addingTimeInterval(30)
        while !lines.contains(where: ready) {
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                let message = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw VerifyRun.RunError(
                    description: "\(arguments.joined(separator: " ")) did not start: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { continue }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                lines.append(String(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
        }
        return (process, lines)
    }
}
