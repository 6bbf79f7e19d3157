import Foundation
import Synchronization

/// Runs an administration tool (`ip`, `ethtool`) to its end: the testbed's way to make
/// namespaces and veth pairs, which HostKit's files cannot, and the tests' way to compare with
/// what the standard tools print.
public enum ToolCommand {
    /// What a tool said and how it ended.
    public struct Outcome: Sendable, Equatable {
        public var status: Int32
        public var output: String
        public var error: String

        public init(status: Int32, output: String, error: String) {
            self.status = status
            self.output = output
            self.error = error
        }
    }

    /// Runs `arguments[0]` found on PATH, which gains /usr/sbin and /sbin (where `ip` lives),
    /// in the C locale so messages are the same wherever the caller runs; whatever its exit
    /// status. Throws when the tool could not be started, or was still running after `timeout`
    /// seconds (it is then killed).
    public static func outcome(_ arguments: [String], timeout: Double = 120) throws(TestbedError) -> Outcome {
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
        let shared = SharedState()
        let pid = process.processIdentifier
        // A timer source rather than `asyncAfter`: cancelled, it lets go of its handler at once,
        // where a cancelled work item stays queued (holding what it captured) until its deadline.
        let watchdog = DispatchSource.makeTimerSource(queue: .global())
        watchdog.schedule(deadline: .now() + timeout)
        watchdog.setEventHandler {
            shared.timedOut.store(true, ordering: .relaxed)
            kill(pid, SIGKILL)
        }
        watchdog.resume()
        // Both pipes drained at once, before waiting: a tool that fills one pipe while the
        // other is being read would block for ever.
        let drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            shared.errorData.withLock { $0 = data }
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        watchdog.cancel()
        if shared.timedOut.load(ordering: .relaxed) { throw .timedOut(arguments: arguments, seconds: timeout) }
        return Outcome(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: shared.errorData.withLock { $0 }, as: UTF8.self))
    }

    /// What the watchdog and the standard-error reader share with `outcome`.
    private final class SharedState: Sendable {
        let timedOut = Atomic<Bool>(false)
        let errorData = Mutex(Data())
    }

    /// Runs a tool that must succeed and returns its standard output.
    @discardableResult
    public static func run(_ arguments: [String]) throws(TestbedError) -> String {
        let result = try outcome(arguments)
        guard result.status == 0 else {
            throw .command(
                arguments: arguments, status: result.status, message: result.error.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.output
    }
}
