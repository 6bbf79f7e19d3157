import HostKit

/// The only files a snapshot may name, so that restore cannot be turned into "write anything
/// anywhere" by an edited or forged snapshot: IRQ affinities, the steering files of net
/// queues, the net and file-descriptor tunables cmtune recommends, and cmtune's own
/// configuration files. Anything else makes restore refuse the whole snapshot.
public enum RestorablePaths {
    /// Why `path` (relative to the root) may not be written, or nil when it may.
    public static func problem(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            return "'\(path)' is not a plain relative path"
        }
        switch parts.count {
        case 4 where parts[0] == "proc" && parts[1] == "irq":
            // proc/irq/N/smp_affinity_list
            if isNumber(parts[2]), parts[3] == "smp_affinity_list" || parts[3] == "smp_affinity" { return nil }
        case 7 where parts[0] == "sys" && parts[1] == "class" && parts[2] == "net" && parts[4] == "queues":
            // sys/class/net/IFACE/queues/rx-N/rps_cpus
            let queue = parts[5]
            let isRx = queue.hasPrefix("rx-") && isNumber(String(queue.dropFirst(3)))
            let isTx = queue.hasPrefix("tx-") && isNumber(String(queue.dropFirst(3)))
            guard isInterfaceName(parts[3]) else { break }
            if isRx, ["rps_cpus", "rps_flow_cnt"].contains(parts[6]) { return nil }
            if isTx, ["xps_cpus", "xps_rxqs"].contains(parts[6]) { return nil }
        case 5 where parts[0] == "proc" && parts[1] == "sys" && parts[2] == "net":
            // proc/sys/net/core/somaxconn
            if ["core", "ipv4", "ipv6", "netfilter", "unix"].contains(parts[3]), isTunableName(parts[4]) { return nil }
        case 4 where parts[0] == "proc" && parts[1] == "sys" && parts[2] == "fs":
            if ["file-max", "nr_open"].contains(parts[3]) { return nil }
        default:
            break
        }
        return "'\(path)' is not an IRQ affinity, a net queue's steering file or a tunable cmtune sets"
    }

    /// cmtune's own configuration files a snapshot may put back.
    public static let configurationFiles: Set<String> = ["etc/sysctl.d/90-cmtune.conf", IRQBalanceCoordinator.configPath]

    /// Every reason `snapshot` names something restore must not write; empty when all is fine.
    public static func problems(in snapshot: SpreadSnapshot) -> [String] {
        var found: [String] = []
        for file in snapshot.files + snapshot.removedQueueFiles {
            if let problem = problem(file.path) { found.append(problem) }
        }
        for file in snapshot.configFiles where !configurationFiles.contains(file.path) {
            found.append("'\(file.path)' is not a configuration file cmtune writes")
        }
        if let path = snapshot.irqbalance?.configPath, path != IRQBalanceCoordinator.configPath {
            found.append("'\(path)' is not irqbalance's configuration file")
        }
        for saved in snapshot.channels where !isInterfaceName(saved.interface) {
            found.append("'\(saved.interface)' is not an interface name")
        }
        return found
    }

    private static func isNumber(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 10 && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// What the kernel accepts as a netdev name (dev_valid_name): 1-15 bytes, no '/', ':' or
    /// whitespace, not "." or "..".
    static func isInterfaceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 15, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }

    private static func isTunableName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "_") }
    }
}
