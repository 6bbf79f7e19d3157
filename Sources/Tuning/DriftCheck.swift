import HostKit

/// `cmtune check`, like `tuned-adm verify`: the host against what was persisted. A difference is
/// a value that a boot-time re-apply (or `spread --policy-file`) would change now: someone or
/// something (irqbalance, a driver reload, a hand edit) moved it since.
public struct DriftReport: Sendable, Equatable {
    public struct Difference: Sendable, Equatable {
        /// The file or setting: `/proc/irq/45/smp_affinity_list`, `channels of eth0`, `net.core.somaxconn`.
        public var subject: String
        public var now: String
        public var wanted: String
        /// What asked for it: the persisted spread policy or the sysctl file.
        public var source: String
    }

    public var differences: [Difference] = []
    /// What was compared: `spread policy /etc/cmtune/spread.json (eth0)`, `/etc/sysctl.d/90-cmtune.conf (6 tunables)`.
    public var checked: [String] = []
    public var notes: [String] = []

    public init() {}

    public var matches: Bool { differences.isEmpty }

    /// The plan a persisted spread policy makes on the host now: each of its changes is drift.
    public mutating func add(spreadPlan plan: SpreadPlan, source: String) {
        for change in plan.channelChanges {
            var now: [String] = []
            var wanted: [String] = []
            if let combined = change.combined {
                now.append("combined \(change.old.combined.map(String.init) ?? "?")")
                wanted.append("combined \(combined)")
            }
            if let rx = change.rx {
                now.append("rx \(change.old.rx.map(String.init) ?? "?")")
                wanted.append("rx \(rx)")
            }
            if let tx = change.tx {
                now.append("tx \(change.old.tx.map(String.init) ?? "?")")
                wanted.append("tx \(tx)")
            }
            differences.append(
                Difference(subject: "channels of \(change.interface)", now: now.joined(separator: ", "), wanted: wanted.joined(separator: ", "), source: source)
            )
        }
        for write in plan.writes {
            differences.append(
                Difference(subject: "/" + write.path, now: write.followsChannelChange ? "(no such queue yet)" : write.old, wanted: write.new, source: source))
        }
        notes += plan.refusals.map { "the persisted policy cannot be planned here: \($0)" }
    }

    /// The tunables a persisted sysctl file sets, against their values now.
    public mutating func add(sysctlFile text: String, source: String, current: (String) -> String?) {
        var count = 0
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix(";") else { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters() }
            guard parts.count == 2, !parts[0].isEmpty else { continue }
            count += 1
            guard let now = current(parts[0]) else {
                notes.append("\(parts[0]) (from \(source)) does not exist here")
                continue
            }
            if now.trimmingCharacters() != parts[1].trimmingCharacters() {
                differences.append(Difference(subject: parts[0], now: now, wanted: parts[1], source: source))
            }
        }
        checked.append("\(source) (\(Plural.count(count, "tunable")))")
    }
}
