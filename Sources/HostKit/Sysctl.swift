/// Kernel tunables from /proc/sys, by their dotted names (`net.core.somaxconn`).
public enum Sysctl {
    /// The path under a root: dots become slashes (`proc/sys/net/core/somaxconn`).
    public static func path(_ name: String) -> String {
        "proc/sys/" + name.split(separator: ".").joined(separator: "/")
    }

    /// The value's text with whitespace runs folded (`ip_local_port_range` is tab-separated);
    /// nil when the tunable does not exist here (another kernel, another namespace).
    public static func read(_ name: String, from root: HostRoot) throws(HostError) -> String? {
        guard let text = try root.readIfPresent(path(name)) else { return nil }
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// The values of several tunables; absent ones are left out, unreadable ones reported.
    public static func read(_ names: [String], from root: HostRoot, issues: inout [HostIssue]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            do {
                if let value = try read(name, from: root) { values[name] = value }
            } catch {
                issues.append(HostIssue(error))
            }
        }
        return values
    }
}

/// Running processes found by name, from /proc/PID/comm.
public enum ProcessScan {
    public struct Process: Sendable, Equatable {
        public var pid: Int
        public var name: String

        public init(pid: Int, name: String) {
            self.pid = pid
            self.name = name
        }
    }

    /// Processes whose command name is one of `names`. Processes that exit while being read
    /// are simply not found.
    public static func find(_ names: Set<String>, from root: HostRoot) -> [Process] {
        let entries = (try? root.listIfPresent("proc")) ?? []
        var found: [Process] = []
        for entry in entries {
            guard let pid = Int(entry), let comm = try? root.readIfPresent("proc/\(entry)/comm"), names.contains(comm) else { continue }
            found.append(Process(pid: pid, name: comm))
        }
        return found
    }
}
