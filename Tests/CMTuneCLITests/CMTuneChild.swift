import CMTuneTestSupport
import Foundation

/// A `cmtune` process the test can signal and must see end in time: its output goes to files
/// (a pipe could fill and stall it), and it is killed with SIGKILL if it overstays, so a hang
/// fails the test instead of stopping the run.
final class CMTuneChild {
    struct Ending {
        var status: Int32
        /// False when the process died of a signal instead of exiting.
        var exited: Bool
        var stdout: String
        var stderr: String
    }

    private let process = Process()
    private let directory: TemporaryDirectory

    /// Starts `cmtune ARGS`. With `blockingStopSignals`, it starts with SIGINT, SIGTERM and
    /// SIGHUP blocked (a supervisor can leave them so, and exec keeps the mask): a signal sent
    /// before cmtune is ready then waits for it instead of killing it by default, and cmtune
    /// must unblock them itself.
    init(_ arguments: [String], blockingStopSignals: Bool = false, terminal: Bool = false) throws {
        directory = try TemporaryDirectory()
        var command = [CMTuneBinary.path] + arguments
        if blockingStopSignals {
            let exec =
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}); os.execv(sys.argv[1], sys.argv[1:])"
            command = ["python3", "-c", exec] + command
        }
        if terminal {
            // A pseudo-terminal for stdin and stdout, as a person running it would have.
            // `exec`: script runs the command through `$SHELL -c`, and dash (CI's /bin/sh)
            // stays as its parent, where Ctrl-C kills it and script reports 130 whatever
            // cmtune did; exec leaves cmtune alone in the terminal, as in a person's shell.
            command = ["script", "--quiet", "--return", "--command", "exec " + command.map { "'\($0)'" }.joined(separator: " "), "/dev/null"]
        }
        _ = FileManager.default.createFile(atPath: directory.path + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: directory.path + "/err", contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        process.standardOutput = FileHandle(forWritingAtPath: directory.path + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory.path + "/err")
        process.standardInput = terminal ? Pipe() : FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Bytes typed at the terminal (with `terminal: true`).
    func type(_ bytes: [UInt8]) {
        (process.standardInput as? Pipe)?.fileHandleForWriting.write(Data(bytes))
    }

    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits up to `seconds` for the end; nil (after SIGKILL) when it did not come.
    func ending(within seconds: Double) -> Ending? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return Ending(
            status: process.terminationStatus, exited: process.terminationReason == .exit,
            stdout: (try? String(contentsOfFile: directory.path + "/out", encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: directory.path + "/err", encoding: .utf8)) ?? "")
    }
}
