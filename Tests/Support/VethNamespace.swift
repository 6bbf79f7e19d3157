import Foundation
import HostKit

/// A throw-away network namespace holding a veth pair `v0`/`v1` with several queues: a real
/// multi-queue device on any machine, which `ethtool -L` can reshape.
public struct VethNamespace {
    /// Queues per direction unless a test asks for more.
    public static let queueCount = 4

    public let name: String
    public let queues: Int
    public var device = "v0"
    public var peer = "v1"

    /// Creates the namespace and pair, runs `body`, and deletes the namespace (and with it the
    /// pair) whatever happens, so a failing test leaves nothing behind. `device` names the end a
    /// test looks at: a name the host's NICs have (`eth0`) makes a container's view.
    public static func with<T>(queues: Int = queueCount, device: String = "v0", _ body: (VethNamespace) throws -> T) throws -> T {
        var namespace = VethNamespace(
            name: "cmtnl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))", queues: queues)
        namespace.device = device
        if device == namespace.peer { namespace.peer = "v0" }
        return try namespace.testbed.with { _ in try body(namespace) }
    }

    /// Both ends in the one namespace, no addresses: HostKit's testbed, shared with
    /// `verify --netns`.
    public var testbed: VethTestbed {
        VethTestbed(first: .init(namespace: name, device: device), second: .init(namespace: name, device: peer), queues: queues)
    }

    /// Runs a command inside the namespace (`ip netns exec`, which also mounts the namespace's
    /// own /sys).
    public func exec(_ arguments: [String]) throws -> CommandResult {
        try runCommand(["ip", "netns", "exec", name] + arguments)
    }

    @discardableResult
    public func execChecked(_ arguments: [String]) throws -> String {
        try runChecked(["ip", "netns", "exec", name] + arguments)
    }

    /// The device's ifindex as the namespace's sysfs reports it.
    public func ifindex(of interface: String) throws -> Int {
        let text = try execChecked(["cat", "/sys/class/net/\(interface)/ifindex"])
        guard let index = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CommandFailure(
                arguments: ["cat", "ifindex"], result: CommandResult(status: 0, output: text, error: "not a number"))
        }
        return index
    }

    /// An ifindex no device in the namespace has: one past the largest that `ip link` lists.
    public func unusedIfindex() throws -> Int {
        let listing = try runChecked(["ip", "-n", name, "-o", "link", "show"])
        let indexes = listing.split(separator: "\n").compactMap { line in
            line.split(separator: ":").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        return (indexes.max() ?? 0) + 1
    }

    /// rx-N and tx-N entries of /sys/class/net/DEV/queues, counted per kind.
    public func sysfsQueueCounts(of interface: String) throws -> (rx: Int, tx: Int) {
        let listing = try execChecked(["ls", "/sys/class/net/\(interface)/queues"])
        let names = listing.split(whereSeparator: \.isWhitespace)
        return (names.filter { $0.hasPrefix("rx-") }.count, names.filter { $0.hasPrefix("tx-") }.count)
    }
}
