import HostKit

/// Which machine, and which boot of it, a snapshot was taken on. IRQ numbers are handed out
/// at boot, so an affinity saved before a reboot may name another device's IRQ after it.
public struct HostIdentity: Sendable, Equatable, Codable {
    public var hostname: String?
    public var machineID: String?
    public var bootID: String?

    public init(hostname: String?, machineID: String?, bootID: String?) {
        self.hostname = hostname
        self.machineID = machineID
        self.bootID = bootID
    }

    public static func read(from root: HostRoot) -> HostIdentity {
        HostIdentity(
            hostname: try? root.readIfPresent("proc/sys/kernel/hostname"),
            machineID: try? root.readIfPresent("etc/machine-id"),
            bootID: try? root.readIfPresent("proc/sys/kernel/random/boot_id"))
    }

    /// Same machine: the machine id when both have one, else the hostname.
    public func isSameMachine(as other: HostIdentity) -> Bool {
        if let mine = machineID, let theirs = other.machineID { return mine == theirs }
        return hostname == other.hostname
    }
}
