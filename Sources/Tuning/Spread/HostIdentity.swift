import HostKit

/// Which machine, which boot of it, and which network namespace a snapshot was taken in.
/// IRQ numbers are handed out at boot, so an affinity saved before a reboot may name another
/// device's IRQ after it; interface names repeat across namespaces, so a queue file saved in a
/// container must not be written onto the host's interface of the same name.
public struct HostIdentity: Sendable, Equatable, Codable {
    public var hostname: String?
    public var machineID: String?
    public var bootID: String?
    /// nil for a tree without `proc/self/ns/net` (a fixture) and for snapshots from before it was recorded.
    public var networkNamespace: NetworkNamespaceIdentity?

    public init(hostname: String?, machineID: String?, bootID: String?, networkNamespace: NetworkNamespaceIdentity? = nil) {
        self.hostname = hostname
        self.machineID = machineID
        self.bootID = bootID
        self.networkNamespace = networkNamespace
    }

    public static func read(from root: HostRoot) -> HostIdentity {
        HostIdentity(
            hostname: try? root.readIfPresent("proc/sys/kernel/hostname"),
            machineID: try? root.readIfPresent("etc/machine-id"),
            bootID: try? root.readIfPresent("proc/sys/kernel/random/boot_id"),
            networkNamespace: NetworkNamespaceIdentity.read(from: root))
    }

    /// Same machine: the machine id when both have one, else the hostname.
    public func isSameMachine(as other: HostIdentity) -> Bool {
        if let mine = machineID, let theirs = other.machineID { return mine == theirs }
        return hostname == other.hostname
    }

    /// False only when both sides know their namespace and they differ. A snapshot written before
    /// namespaces were recorded cannot tell; the restorer says so instead of refusing.
    public func isSameNamespace(as other: HostIdentity) -> Bool {
        guard let mine = networkNamespace, let theirs = other.networkNamespace else { return true }
        return mine.identifier == theirs.identifier
    }

    /// The namespace for messages and listings.
    public var namespaceDescription: String { networkNamespace?.description ?? "unknown namespace" }
}
