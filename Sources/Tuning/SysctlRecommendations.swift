import HostKit

/// The kernel limits that cap a connection manager holding a million long-lived connections,
/// with the least value such a host needs and why. Values follow what large IM and push
/// front tiers run with; each is a floor, higher is fine.
public struct SysctlRecommendation: Sendable, Equatable {
    public var name: String
    /// The recommended value as `sysctl -w` takes it.
    public var value: String
    /// Why a CM host needs it, for the evidence line.
    public var reason: String
    /// True when the found value meets the recommendation.
    let isMet: @Sendable (String) -> Bool

    public static func == (lhs: SysctlRecommendation, rhs: SysctlRecommendation) -> Bool {
        lhs.name == rhs.name && lhs.value == rhs.value
    }

    static func atLeast(_ name: String, _ minimum: Int, _ reason: String) -> SysctlRecommendation {
        SysctlRecommendation(name: name, value: String(minimum), reason: reason) { found in
            // Unsigned maxima (fs.file-max = 9223372036854775807) do not fit Int on some kernels' prints.
            guard let number = Int(found) else { return found.allSatisfy(\.isNumber) }
            return number >= minimum
        }
    }

    public static let connectionManagerHost: [SysctlRecommendation] = [
        .atLeast("fs.file-max", 2_097_152, "every connection is a file descriptor; the system-wide limit must exceed a million with room"),
        .atLeast("fs.nr_open", 2_097_152, "the per-process descriptor ceiling: one CM process cannot hold a million sockets below it"),
        .atLeast("net.core.somaxconn", 65_535, "the listen backlog cap: a reconnect storm after a deploy arrives all at once"),
        .atLeast("net.ipv4.tcp_max_syn_backlog", 65_535, "half-open connections during a reconnect storm"),
        .atLeast("net.core.netdev_max_backlog", 16_384, "the per-CPU receive backlog; when full, packets are dropped (softnet drops)"),
        SysctlRecommendation(
            name: "net.ipv4.ip_local_port_range", value: "1024 65535",
            reason: "outgoing connections (to the session tier, the shared store, load tests) per destination are capped by the port range"
        ) { found in
            let bounds = found.split(separator: " ").compactMap { Int($0) }
            guard bounds.count == 2 else { return false }
            return bounds[1] - bounds[0] >= 64_511
        },
    ]
}

/// The sysctl advice for this host: each recommendation with what was found, plus the settings
/// that must come with it to be safe here (reserved ports for the CM's listeners when the port
/// range grows; the CM's LimitNOFILE beside fs.nr_open). `diagnose` reports it, `cmtune sysctl`
/// applies it.
public struct SysctlAdvice: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var name: String
        /// As found; nil when the tunable does not exist here.
        public var found: String?
        public var recommended: String
        public var reason: String
        /// What else the evidence must say (the CM's descriptor limits, reserved ports).
        public var context: String?
        /// Commands beyond the sysctl itself that the advice needs (a unit's LimitNOFILE).
        public var companionCommands: [String]

        /// The line for /etc/sysctl.d: `net.core.somaxconn = 65535`.
        public var configurationLine: String { "\(name) = \(recommended)" }
    }

    /// Only what is not met.
    public var items: [Item]

    public init(values: [String: String], context: SysctlContext) {
        items = []
        for recommendation in SysctlRecommendation.connectionManagerHost {
            guard let found = values[recommendation.name] else { continue }
            var item = Item(name: recommendation.name, found: found, recommended: recommendation.value, reason: recommendation.reason, companionCommands: [])
            switch recommendation.name {
            case "fs.nr_open", "fs.file-max":
                let target = UInt64(context.connectionTarget)
                let low = context.openFileLimits.filter { limit in limit.soft.map { $0 < target } ?? false }
                if !low.isEmpty {
                    item.context =
                        "the limit a CM gets is its own: "
                        + low.map { "\($0.source) has \(NumberText.grouped(Double($0.soft ?? 0))) open files" }.joined(separator: ", ")
                        + ", below the \(NumberText.grouped(Double(target))) connections it should hold; raise LimitNOFILE with it"
                    item.companionCommands = low.compactMap { limit in
                        limit.source.hasPrefix("unit ")
                            ? "systemctl edit \(limit.source.dropFirst(5))  # [Service] LimitNOFILE=\(max(target * 2, 1_048_576))" : nil
                    }
                }
                guard !recommendation.isMet(found) else {
                    // The tunable is fine; the unit's limit may still be what caps the CM.
                    if !item.companionCommands.isEmpty, recommendation.name == "fs.nr_open" {
                        item.recommended = found
                        items.append(item)
                    }
                    continue
                }
            case "net.ipv4.ip_local_port_range":
                let bounds = recommendation.isMet(found) ? found.split(separator: " ").compactMap { Int($0) } : [1024, 65535]
                let unreserved = bounds.count == 2 ? context.unreservedPorts(inRange: bounds[0], bounds[1]) : []
                if !recommendation.isMet(found) { items.append(item) }
                if !unreserved.isEmpty {
                    let reserved = (context.reservedPorts ?? []).flatMap { Array($0) } + unreserved
                    let ports = SysctlContext.portList(unreserved)
                    items.append(
                        Item(
                            name: "net.ipv4.ip_local_reserved_ports", found: values["net.ipv4.ip_local_reserved_ports"] ?? "",
                            recommended: SysctlContext.portList(reserved),
                            reason: (unreserved.count == 1 ? "port \(ports) is" : "ports \(ports) are")
                                + " listened on and lie in the ephemeral range \(bounds[0])-\(bounds[1]): an outgoing connection can take one while the CM restarts, and the CM then cannot bind it",
                            companionCommands: []))
                }
                continue
            default:
                guard !recommendation.isMet(found) else { continue }
            }
            items.append(item)
        }
    }
}
