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
