import CMTuneTestSupport
import Foundation

/// The built `cmtune` executable, run as a user would run it, beside this test bundle in the
/// build directory (`swift build` puts both there, whatever the scratch path).
enum CMTuneBinary {
    static let path: String = {
        let bundle = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("cmtune").path
    }()

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Runs `cmtune ARGS`, inside a namespace when given (`ip netns exec` also mounts its /sys).
    static func run(_ arguments: [String], namespace: String? = nil, user: Int? = nil) throws -> CommandResult {
        var command = [path] + arguments
        if let user { command = ["setpriv", "--reuid=\(user)", "--regid=\(user)", "--clear-groups"] + command }
        if let namespace { command = ["ip", "netns", "exec", namespace] + command }
        return try runCommand(command)
    }

    /// Runs and decodes the JSON on stdout.
    static func json(_ arguments: [String], namespace: String? = nil, user: Int? = nil) throws -> (CommandResult, [String: Any]) {
        let result = try run(arguments + ["--json"], namespace: namespace, user: user)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        guard let object else { throw CommandFailure(arguments: arguments, result: result) }
        return (result, object)
    }
}

/// Paths into the fixture trees shared with HostKitTests.
enum Fixtures {
    static let realHosts: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/HostKitTests/Fixtures/real-hosts"
    }()

    static let captures: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)
        return parts.joined(separator: "/") + "/CaptureTestSupport/Fixtures"
    }()
}

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "cmtune-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relativePath: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}

extension Dictionary where Key == String, Value == Any {
    func interfaces() -> [[String: Any]] { self["interfaces"] as? [[String: Any]] ?? [] }

    func interface(_ name: String) -> [String: Any]? {
        interfaces().first { $0["name"] as? String == name }
    }
}
