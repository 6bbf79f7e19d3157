import HostKit

/// The connection managers on the host and what caps them: running processes (ours, `cmtune cm
/// serve`, or any the user names), their systemd units, the ports the host listens on.
public struct ConnectionManagerContext: Sendable, Equatable {
    public var processes: [StackEvidence.ConnectionManagerProcess]
    public var sysctl: SysctlContext

    /// A CM holding a million connections is what the sysctl floors are sized for.
    public static let defaultConnectionTarget = 1_000_000

    /// - Parameters:
    ///   - names: process names (comm or argv[0]'s last component) that are connection managers,
    ///     besides `cmtune cm serve`.
    ///   - units: systemd units whose LimitNOFILE matters, besides those of the processes found.
    ///   - ports: the CM's listening ports when given; else the host's listening sockets.
    ///   - connections: the connections one CM should hold; else each CM's `--max-connections`,
    ///     else a million.
    public static func read(from root: HostRoot, names: [String] = [], units: [String] = [], ports: [Int]? = nil, connections: Int? = nil)
        -> ConnectionManagerContext
    {
        let found = ProcessFacts.find(from: root) { process in
            if names.contains(process.comm) { return true }
            if let program = process.arguments.first?.split(separator: "/").last, names.contains(String(program)) { return true }
            return isReferenceCM(process.arguments)
        }
        var processes: [StackEvidence.ConnectionManagerProcess] = []
        var limits: [SysctlContext.OpenFileLimit] = []
        var unitNames = units
        for process in found {
            let target = connections ?? maxConnections(process.arguments) ?? defaultConnectionTarget
            let name = process.arguments.first?.split(separator: "/").last.map(String.init) ?? process.comm
            processes.append(
                .init(pid: process.pid, name: name, openFilesSoft: process.openFilesSoft, openDescriptors: process.openDescriptors, connectionTarget: target))
            if process.openFilesLimitKnown { limits.append(.init(source: "process \(process.pid) (\(name))", soft: process.openFilesSoft)) }
            if let unit = systemdUnit(pid: process.pid, root: root), !unitNames.contains(unit) { unitNames.append(unit) }
        }
        for unit in unitNames {
            guard let file = UnitFileLimits.read(unit: unit, from: root) else { continue }
            // A unit without LimitNOFILE gets systemd's default soft limit (1024 on most systems).
            limits.append(.init(source: "unit \(unit)", soft: file.openFilesSet ? file.openFilesSoft : 1024))
        }
        let listening = ports ?? ListeningSockets.read(from: root).ports
        let reserved = (try? Sysctl.read("net.ipv4.ip_local_reserved_ports", from: root)).flatMap { $0 }.flatMap(SysctlContext.portRanges)
        let target = connections ?? processes.map(\.connectionTarget).max() ?? defaultConnectionTarget
        return ConnectionManagerContext(
            processes: processes, sysctl: SysctlContext(listeningPorts: listening, reservedPorts: reserved, openFileLimits: limits, connectionTarget: target))
    }

    /// `cmtune cm serve ...`: our reference CM.
    static func isReferenceCM(_ arguments: [String]) -> Bool {
        guard let program = arguments.first, program == "cmtune" || program.hasSuffix("/cmtune") else { return false }
        return arguments.count >= 3 && arguments[1] == "cm" && arguments[2] == "serve"
    }

    /// The value of `--max-connections N` (or `--max-connections=N`) on a command line.
    static func maxConnections(_ arguments: [String]) -> Int? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--max-connections", index + 1 < arguments.count { return Int(arguments[index + 1]) }
            if argument.hasPrefix("--max-connections=") { return Int(argument.dropFirst("--max-connections=".count)) }
        }
        return nil
    }

    /// The systemd service a process runs in, from its cgroup (`0::/system.slice/cm.service`).
    static func systemdUnit(pid: Int, root: HostRoot) -> String? {
        guard let text = try? root.readIfPresent("proc/\(pid)/cgroup") else { return nil }
        for line in text.split(separator: "\n") {
            guard let path = line.split(separator: ":", maxSplits: 2).last else { continue }
            if let unit = path.split(separator: "/").last(where: { $0.hasSuffix(".service") }) { return String(unit) }
        }
        return nil
    }
}
