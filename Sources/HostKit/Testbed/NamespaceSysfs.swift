import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A named network namespace's own /sys, as a `HostRoot`: sysfs shows the network devices of the
/// namespace it was mounted from, so a sysfs mounted from inside that namespace (what
/// `ip netns exec` does) lets HostKit read and write its queues without a shell.
///
/// The mount is private to this value's directory and taken down by `unmount()`.
struct NamespaceSysfs {
    let namespace: String
    /// The root: `sys/class/net/...` under it is the namespace's.
    let root: HostRoot
    private let directory: String

    /// Numbers the mount directories of one process.
    private static let sequence = Atomic<Int>(0)

    /// Mounts the namespace's sysfs on a fresh directory under /tmp.
    init(namespace: String) throws(TestbedError) {
        directory = "/tmp/cmtune-sysfs-\(getpid())-\(Self.sequence.add(1, ordering: .relaxed).newValue)"
        let target = directory + "/sys"
        guard mkdir(directory, 0o700) == 0 || errno == EEXIST, mkdir(target, 0o700) == 0 || errno == EEXIST else {
            throw .mount(namespace: namespace, path: target, errno: Errno(rawValue: errno))
        }
        let mounted: Result<Int32, Never>
        do {
            mounted = try NetworkNamespaceEntry.run(inNamed: namespace) { () -> Int32 in
                mount("sysfs", target, "sysfs", 0, nil) == 0 ? 0 : errno
            }
        } catch {
            Self.removeDirectories(directory)
            throw .namespace(error)
        }
        if case .success(let code) = mounted, code != 0 {
            Self.removeDirectories(directory)
            throw .mount(namespace: namespace, path: target, errno: Errno(rawValue: code))
        }
        self.namespace = namespace
        root = HostRoot(directory)
    }

    /// Takes the mount down (lazily, so an open file cannot keep it) and removes the directory.
    func unmount() {
        _ = umount2(directory + "/sys", Int32(MNT_DETACH))
        Self.removeDirectories(directory)
    }

    /// Mounts, runs `body` with the namespace's root, and unmounts whatever happens.
    static func with<T>(_ namespace: String, _ body: (HostRoot) throws(TestbedError) -> T) throws(TestbedError) -> T {
        let sysfs = try NamespaceSysfs(namespace: namespace)
        defer { sysfs.unmount() }
        return try body(sysfs.root)
    }

    private static func removeDirectories(_ directory: String) {
        _ = rmdir(directory + "/sys")
        _ = rmdir(directory)
    }
}
