import HostKit

/// `cmtune sysctl --apply`: the advice as a plan of writes to /proc/sys, carried out by the same
/// transaction as `spread` (snapshot first, read back, roll back, `cmtune restore` undoes it).
public enum SysctlPlanner {
    /// The writes that bring every tunable of `advice` to its recommended value.
    public static func plan(_ advice: SysctlAdvice) -> SpreadPlan {
        var plan = SpreadPlan()
        for item in advice.items {
            guard let found = item.found else {
                plan.skipped.append(Skip(subject: item.name, reason: "absent here (another kernel, or a tunable of the initial network namespace)"))
                continue
            }
            let write = PlannedWrite(kind: .sysctl(name: item.name), path: Sysctl.path(item.name), old: found, new: item.recommended, reason: item.reason)
            if !write.isNoChange { plan.writes.append(write) }
            plan.notes += item.companionCommands.map { "also needed, not done by cmtune: \($0)" }
        }
        return plan
    }
}

/// `cmtune sysctl --persist`: the recommendations in one file the boot reads.
public enum SysctlPersistence {
    public static let relativePath = "etc/sysctl.d/90-cmtune.conf"
    public static let path = "/" + relativePath

    /// The file with `items` set, keeping what an earlier `--persist` wrote for other names.
    public static func text(_ items: [SysctlAdvice.Item], existing: String?) -> String {
        var values: [(String, String)] = []
        for line in (existing ?? "").split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters() }
            guard parts.count == 2, !parts[0].hasPrefix("#"), !parts[0].isEmpty else { continue }
            values.append((parts[0], parts[1]))
        }
        for item in items {
            if let index = values.firstIndex(where: { $0.0 == item.name }) {
                values[index].1 = item.recommended
            } else {
                values.append((item.name, item.recommended))
            }
        }
        var lines = [
            "# Written by `cmtune sysctl --apply --persist`: the kernel limits a connection-manager host needs.",
            "# `cmtune restore` puts back the file as it was (or removes it).",
        ]
        lines += values.map { "\($0.0) = \($0.1)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
