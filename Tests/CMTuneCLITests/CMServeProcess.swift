import CM
import CMTuneTestSupport
import Foundation

/// A real `cmtune cm serve` process on loopback, with the addresses it printed when ready.
/// Stopped (SIGKILL if still running) when the test lets go of it.
final class CMServeProcess {
    let process = Process()
    let secretFile: String
    private let directory: TemporaryDirectory
    private let stdout = Pipe()
    private let stderr = Pipe()
    private(set) var listeners: [ListenAddress] = []
    private(set) var metricsURL: String?
    /// Everything printed on stdout and stderr so far (for failure messages).
    private(set) var transcript = ""

    struct StartFailure: Error, CustomStringConvertible { var description: String }

    /// Starts the CM with a fresh secret and `arguments`, and waits until it printed one
    /// `listening on` line per `--listen`.
    init(_ arguments: [String], listenerCount: Int) throws {
        directory = try TemporaryDirectory()
        secretFile = directory.path + "/KEY"
        try directory.write("KEY", "test-secret-\(UInt64.random(in: 0...UInt64.max))\n")
        process.executableURL = URL(fileURLWithPath: CMTuneBinary.path)
        process.arguments = ["cm", "serve", "--secret-file", secretFile] + arguments
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reader = stdout.fileHandleForReading
        var pending = ""
        let deadline = Date().addingTimeInterval(20)
        while listeners.count < listenerCount || (arguments.contains("--metrics") && metricsURL == nil) {
            guard Date() < deadline, process.isRunning else {
                transcript += String(decoding: stderr.fileHandleForReading.availableDataNonBlocking(), as: UTF8.self)
                process.terminate()
                throw StartFailure(description: "cm serve did not get ready: \(transcript)")
            }
            // Wait for output, but not past the deadline: a CM that hangs silently fails here.
            var poller = pollfd(fd: reader.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000))) > 0 else { continue }
            let data = reader.availableData
            if data.isEmpty { continue }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending.removeSubrange(...newline)
                transcript += line + "\n"
                if let range = line.range(of: "listening on ") {
                    listeners.append(try ListenAddress(parsing: String(line[range.upperBound...])))
                }
                if let range = line.range(of: "metrics on ") { metricsURL = String(line[range.upperBound...]) }
            }
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    func token(_ user: String, device: String? = nil) throws -> String {
        var arguments = ["cm", "token", "--secret-file", secretFile, "--user", user]
        if let device { arguments += ["--device", device] }
        return try runChecked([CMTuneBinary.path] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func listener(_ transport: ListenAddress.Transport) -> ListenAddress? {
        listeners.first { $0.transport == transport }
    }

    /// SIGTERM, then the exit status and what it printed on stderr.
    func stop(timeout: TimeInterval = 30) -> (status: Int32, stderr: String) {
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, errors)
    }

    /// The body of GET /metrics.
    func scrape() throws -> String {
        guard let metricsURL, let url = URL(string: metricsURL) else { throw StartFailure(description: "no metrics endpoint") }
        let host = url.host ?? "127.0.0.1"
        let port = url.port ?? 80
        return try HTTPGet.body(host: host, port: port, path: url.path)
    }
}

extension FileHandle {
    /// What is in the pipe now, without waiting for the writer to close it.
    func availableDataNonBlocking() -> Data {
        let flags = fcntl(fileDescriptor, F_GETFL)
        _ = fcntl(fileDescriptor, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fileDescriptor, F_SETFL, flags) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Glibc.read(fileDescriptor, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        return data
    }
}

/// A minimal HTTP/1.0 GET over a socket (no URLSession on this platform's test runner).
enum HTTPGet {
    static func body(host: String, port: Int, path: String) throws -> String {
        let result = try runCommand(["curl", "-sS", "--max-time", "10", "http://\(host):\(port)\(path)"])
        guard result.status == 0 else { throw CommandFailure(arguments: ["curl", path], result: result) }
        return result.output
    }
}
