#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which network namespace a root's `/proc/self` lives in: `net:[4026531840]`, and the name
/// `ip netns` gave it when there is one.
///
/// Interface names repeat across namespaces (every container has an `eth0`), so a value saved
/// in one namespace must never be written back in another: snapshots record this and restore
/// compares it.
public struct NetworkNamespaceIdentity: Sendable, Equatable, Codable {
    /// The namespace link's text, `net:[INODE]`; unique while the namespace exists.
    public var identifier: String
    /// The `ip netns` name (`/run/netns/NAME` with the same inode), when one exists.
    public var name: String?

    public init(identifier: String, name: String? = nil) {
        self.identifier = identifier
        self.name = name
    }

    /// For messages: `net:[4026532174] (ip netns cmt-a)`.
    public var description: String { identifier + (name.map { " (ip netns \($0))" } ?? "") }

    /// The namespace of the process reading `root` (for `/`, this process's own); nil when the
    /// tree has no `proc/self/ns/net` (a fixture, a copy).
    public static func read(from root: HostRoot) -> NetworkNamespaceIdentity? {
        guard let link = root.readLinkIfPresent("proc/self/ns/net"), link.hasPrefix("net:[") else { return nil }
        var identity = NetworkNamespaceIdentity(identifier: link)
        if root.isLiveSystem, let inode = UInt64(link.dropFirst(5).dropLast()) {
            identity.name = namedNamespace(inode: inode)
        }
        return identity
    }

    /// The entry of /run/netns bound to this inode (iproute2 bind-mounts each named namespace there).
    private static func namedNamespace(inode: UInt64) -> String? {
        guard let names = try? HostRoot("/run/netns").list("") else { return nil }
        for name in names {
            var info = stat()
            if stat("/run/netns/\(name)", &info) == 0, UInt64(info.st_ino) == inode { return name }
        }
        return nil
    }
}
