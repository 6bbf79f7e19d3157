import HostKit

/// What `spread` does about a running irqbalance, which rewrites IRQ affinity every 10 s and
/// would quietly undo the placement.
public enum IRQBalancePolicy: String, Sendable, Equatable, Codable, CaseIterable {
    /// Refuse to spread while it runs (the default: never fight it silently).
    case refuse
    /// Ban the placed IRQs in its configuration and restart it; it keeps balancing the rest.
    case ban
    /// Stop and disable it; `restore` starts and enables it again.
    case stop
    /// Go on, with a warning that it will move the IRQs.
    case ignore
}

/// irqbalance as found on the host.
public struct IRQBalanceState: Sendable, Equatable {
    public var pids: [Int]
    /// The first process's command line, to start it again outside systemd.
    public var command: [String]
    public var unitActive: Bool
    public var unitEnabled: Bool

    public init(pids: [Int], command: [String], unitActive: Bool, unitEnabled: Bool) {
        self.pids = pids
        self.command = command
        self.unitActive = unitActive
        self.unitEnabled = unitEnabled
    }

    public var isRunning: Bool { !pids.isEmpty || unitActive }

    public static func read(from root: HostRoot, services: (any ServiceManager)?) -> IRQBalanceState {
        let processes = ProcessScan.find(["irqbalance"], from: root)
        var command: [String] = []
        if let first = processes.first, let bytes = try? root.readBytes("proc/\(first.pid)/cmdline") {
            command = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
        let active = services.map { $0.hasSystemd && $0.isActive("irqbalance") } ?? false
        let enabled = services.map { $0.hasSystemd && $0.isEnabled("irqbalance") } ?? false
        return IRQBalanceState(pids: processes.map(\.pid), command: command, unitActive: active, unitEnabled: enabled)
    }
}

/// Carries out the irqbalance policy, and puts irqbalance back on restore.
public struct IRQBalanceCoordinator: Sendable {
    public let root: HostRoot
    public let services: (any ServiceManager)?
    /// Debian and Ubuntu read IRQBALANCE_ARGS from here (the unit's EnvironmentFile).
    public static let configPath = "etc/default/irqbalance"

    public init(root: HostRoot, services: (any ServiceManager)?) {
        self.root = root
        self.services = services
    }

    /// Applies `policy` for a plan placing `irqs`. Returns what to save (nil: nothing done)
    /// or the error text.
    public func apply(_ policy: IRQBalancePolicy, state: IRQBalanceState, irqs: [Int]) -> Result<SpreadSnapshot.SavedIRQBalance?, WriteFailure> {
        guard state.isRunning else { return .success(nil) }
        switch policy {
        case .refuse, .ignore:
            return .success(nil)
        case .stop:
            let saved = SpreadSnapshot.SavedIRQBalance(
                action: "stop", wasActive: state.isRunning, wasEnabled: state.unitEnabled, configPath: nil, configContent: nil, command: state.command)
            if let services, services.hasSystemd {
                if let problem = services.perform(.stop, unit: "irqbalance") ?? services.perform(.disable, unit: "irqbalance") {
                    return .failure(WriteFailure(target: "systemctl stop/disable irqbalance", errno: nil, message: problem))
                }
            } else if let problem = services?.terminate(pids: state.pids) {
                return .failure(WriteFailure(target: "irqbalance (pid \(state.pids.map(String.init).joined(separator: ",")))", errno: nil, message: problem))
            }
            return .success(saved)
        case .ban:
            let previous = try? root.readBytes(Self.configPath)
            let old = previous.map { String(decoding: $0, as: UTF8.self) }
            let config = Self.banning(irqs, in: old ?? "")
            var saved = SpreadSnapshot.SavedIRQBalance(
                action: "ban", wasActive: state.isRunning, wasEnabled: state.unitEnabled, configPath: Self.configPath, configContent: old,
                command: state.command)
            do {
                try StateFiles.makeDirectories(parentDirectory(root.absolute(Self.configPath)))
                try StateFiles.writeAtomically(Array(config.utf8), to: root.absolute(Self.configPath))
            } catch {
                return .failure(
                    WriteFailure(
                        target: error.path, errno: error.errno.rawValue, message: "cannot write irqbalance's configuration: \(error.errno.plainDescription)"))
            }
            if let problem = restart(state) {
                _ = putBackConfig(saved)
                return .failure(WriteFailure(target: "restart irqbalance", errno: nil, message: problem))
            }
            saved.configPath = Self.configPath
            return .success(saved)
        }
    }

    /// Puts irqbalance back as it was; returns problems in plain words.
    public func restore(_ saved: SpreadSnapshot.SavedIRQBalance) -> [String] {
        var problems: [String] = []
        switch saved.action {
        case "stop":
            if let services, services.hasSystemd {
                if saved.wasEnabled, let problem = services.perform(.enable, unit: "irqbalance") { problems.append("enable irqbalance: \(problem)") }
                if saved.wasActive, let problem = services.perform(.start, unit: "irqbalance") { problems.append("start irqbalance: \(problem)") }
            } else if saved.wasActive, let command = saved.command, !command.isEmpty, let problem = services?.spawn(command) {
                problems.append("start irqbalance (\(command.joined(separator: " "))): \(problem)")
            }
        case "ban":
            problems += putBackConfig(saved)
            if saved.wasActive {
                let state = IRQBalanceState.read(from: root, services: services)
                if let problem = restart(state, command: saved.command) { problems.append("restart irqbalance: \(problem)") }
            }
        default:
            problems.append("unknown irqbalance action '\(saved.action)' in the snapshot")
        }
        return problems
    }

    private func putBackConfig(_ saved: SpreadSnapshot.SavedIRQBalance) -> [String] {
        guard let path = saved.configPath else { return [] }
        do {
            if let content = saved.configContent {
                try StateFiles.writeAtomically(Array(content.utf8), to: root.absolute(path))
            } else {
                StateFiles.remove(root.absolute(path))
            }
            return []
        } catch {
            return ["could not put back \(error.path): \(error.errno.plainDescription)"]
        }
    }

    private func restart(_ state: IRQBalanceState, command: [String]? = nil) -> String? {
        guard let services else { return nil }
        if services.hasSystemd { return services.perform(.restart, unit: "irqbalance") }
        if let problem = services.terminate(pids: state.pids) { return problem }
        let line = command ?? state.command
        return line.isEmpty ? nil : services.spawn(line)
    }

    /// The configuration with IRQBALANCE_ARGS banning `irqs` (its other arguments kept).
    public static func banning(_ irqs: [Int], in config: String) -> String {
        var lines = config.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var otherArguments: [String] = []
        if let index = lines.firstIndex(where: { $0.hasPrefix("IRQBALANCE_ARGS=") }) {
            let value = lines[index].dropFirst("IRQBALANCE_ARGS=".count).filter { $0 != "\"" }
            otherArguments = value.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--banirq") }
            lines.remove(at: index)
        }
        let arguments = otherArguments + irqs.sorted().map { "--banirq=\($0)" }
        lines.append("# IRQs placed by cmtune spread; cmtune restore puts the previous line back")
        lines.append("IRQBALANCE_ARGS=\"\(arguments.joined(separator: " "))\"")
        return lines.joined(separator: "\n") + "\n"
    }
}

func parentDirectory(_ path: String) -> String {
    var parts = path.split(separator: "/")
    if !parts.isEmpty { parts.removeLast() }
    return "/" + parts.joined(separator: "/")
}
