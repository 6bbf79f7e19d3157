import Foundation
import Synchronization

/// Runs a system tool (ip, ethtool) the way a person would, so tests compare what the Netlink
/// target reads with what the standard tools print.
public struct CommandResult {
    public var status: Int32
    public var output: String
    public var error: String

    public init(status: Int32, output: String, error: String) {
        self.status = status
        self.output = output
        self.error = error
    }
}

public struct CommandFailure: Error, CustomStringConvertible {
    public var arguments: [String]
    public var result: CommandResult

    public init(arguments: [String], result: CommandResult) {
        self.arguments = arguments
        self.result = result
    }

    public var description: String {
        "`\(arguments.joined(separator: " "))` exited \(result.status): \(result.error)\(result.output)"
    }
}

/// A tool that overstayed `runCommand`'s deadline; it was killed, so a hung `ip` or `ethtool`
/// fails its test instead of stopping the run.
public struct CommandTimeout: Error, CustomStringConvertible {
    public var arguments: [String]
    public var seconds: Double

    public var description: String { "`\(arguments.joined(separator: " "))` still running after \(seconds) s: killed" }
}

/// Runs `arguments[0]` found on PATH (or /usr/sbin, /sbin, where ip and ethtool live) and
/// returns its output, whatever its exit status. A tool still running after `timeout` seconds
/// is killed and reported as `CommandTimeout`.
public func runCommand(_ arguments: [String], timeout: Double = 120) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/sbin:/usr/bin:/bin"
    environment["LC_ALL"] = "C"
    process.environment = environment
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let state = CommandState()
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem {
        state.timedOut.store(true, ordering: .relaxed)
        kill(pid, SIGKILL)
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    // Both pipes drained at once: a tool that fills one while the other is read would block.
    let drained = DispatchGroup()
    DispatchQueue.global().async(group: drained) {
        let data = error.fileHandleForReading.readDataToEndOfFile()
        state.errorData.withLock { $0 = data }
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    watchdog.cancel()
    if state.timedOut.load(ordering: .relaxed) { throw CommandTimeout(arguments: arguments, seconds: timeout) }
    return CommandResult(
        status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self),
        error: String(decoding: state.errorData.withLock { $0 }, as: UTF8.self))
}

/// What `runCommand`'s watchdog and stderr reader share with it.
private final class CommandState: Sendable {
    let timedOut = Atomic<Bool>(false)
    let errorData = Mutex(Data())
}

/// Runs a command that must succeed and returns its standard output.
@discardableResult
public func runChecked(_ arguments: [String]) throws -> String {
    let result = try runCommand(arguments)
    guard result.status == 0 else { throw CommandFailure(arguments: arguments, result: result) }
    return result.output
}
