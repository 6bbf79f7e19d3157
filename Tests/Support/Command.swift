import Foundation
import HostKit

/// Runs a system tool (ip, ethtool) the way a person would, so tests compare what the Netlink
/// target reads with what the standard tools print.
public typealias CommandResult = ToolCommand.Outcome

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

/// Runs `arguments[0]` found on PATH (or /usr/sbin, /sbin, where ip and ethtool live) and
/// returns its output, whatever its exit status: HostKit's `ToolCommand`, which the testbed uses.
public func runCommand(_ arguments: [String]) throws -> CommandResult {
    try ToolCommand.outcome(arguments)
}

/// Runs a command that must succeed and returns its standard output.
@discardableResult
public func runChecked(_ arguments: [String]) throws -> String {
    let result = try runCommand(arguments)
    guard result.status == 0 else { throw CommandFailure(arguments: arguments, result: result) }
    return result.output
}
