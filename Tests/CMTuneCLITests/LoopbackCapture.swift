import Foundation

/// `cmtune capture -i lo` on one TCP port, writing a pcap while a test drives real traffic.
struct LoopbackCapture {
    let path: String
    private let process = Process()
    private let errors = Pipe()
    /// What the capture wrote on stderr up to its "listening on" line.
    private let startup: String

    /// Starts the capture and returns once it says it is listening (the kernel keeps every
    /// packet for it from then on), or throws when it ends or stays silent for `limit`.
    /// `options` go after `-w PATH` (rotation, for one).
    init(port: Int, path: String, options: [String] = [], limit: Duration = .seconds(20)) throws {
        self.path = path
        process.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        process.arguments = ["capture", "-i", "lo", "-f", "tcp port \(port)", "-w", path] + options
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        startup = try Self.waitForLine(containing: "listening on", in: errors.fileHandleForReading, process: process, limit: limit)
    }

    struct NeverSaid: Error, CustomStringConvertible {
        let words: String
        let output: String
        var description: String { "the process never wrote \"\(words)\"; it wrote: \(output)" }
    }

    /// Reads `handle` until a line holds `words`; what was read. A deadline, not a sleep: the
    /// read blocks until the capture writes, and a watchdog ends the process if it never does.
    static func waitForLine(containing words: String, in handle: FileHandle, process: Process, limit: Duration) throws -> String {
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000)), execute: watchdog)
        defer { watchdog.cancel() }
        var text = ""
        while !text.contains(words) {
            let chunk = handle.availableData
            if chunk.isEmpty { throw NeverSaid(words: words, output: text) }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }

    /// Ctrl-C, as a user stops it; the capture writes what the kernel captured before the
    /// signal, and the file is then whole. Returns the exit status and what the capture wrote
    /// on stderr.
    @discardableResult
    func stop() -> (status: Int32, error: String) {
        kill(process.processIdentifier, SIGINT)
        let error = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, startup + error)
    }
}
