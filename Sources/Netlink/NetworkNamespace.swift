internal import Glibc

/// Runs a closure with the calling thread inside a named network namespace (`ip netns add NAME`).
///
/// A netlink socket answers for the namespace it was created in, for its whole life, so the
/// namespace only has to be entered around socket creation. `setns` moves the calling thread
/// only, and the closure is synchronous, so nothing else runs on this thread while it is away;
/// the thread is always moved back before returning.
enum NetworkNamespace {
    /// CLONE_NEWNET (linux/sched.h); Glibc's module hides it, and `setns`, without _GNU_SOURCE.
    static let cloneNewNet: Int32 = 0x4000_0000
    /// Where iproute2 keeps a bind mount of each named namespace.
    static let directory = "/run/netns"

    static func run<T>(named name: String?, _ body: () throws(NetlinkError) -> T) throws(NetlinkError) -> T {
        guard let name else { return try body() }
        let operation = "enter network namespace \(name)"
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw NetlinkError(
                operation: operation, errno: EINVAL, message: "\"\(name)\" is not a network namespace name")
        }
        let setns = try setnsFunction(operation: operation)

        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else {
            throw NetlinkError.system(operation: operation, errno: Glibc.errno, privilege: "access to /proc")
        }
        defer { close(original) }

        let path = "\(directory)/\(name)"
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else {
            let code = Glibc.errno
            if code == ENOENT {
                throw NetlinkError(
                    operation: operation, errno: code,
                    message: "no network namespace named \(name) (\(path) does not exist)")
            }
            throw NetlinkError.system(operation: operation, errno: code, privilege: "read access to \(path)")
        }
        defer { close(target) }

        guard setns(target, cloneNewNet) == 0 else {
            throw NetlinkError.system(operation: operation, errno: Glibc.errno, privilege: "CAP_SYS_ADMIN")
        }
        defer {
            // A thread left in the wrong namespace would silently answer for the wrong host;
            // returning to a namespace we were just in cannot fail short of a kernel bug.
            if setns(original, cloneNewNet) != 0 {
                fatalError("could not return this thread to its network namespace: errno \(Glibc.errno)")
            }
        }
        return try body()
    }

    private typealias SetnsFunction = @convention(c) (Int32, Int32) -> Int32

    /// `setns` from the C library, looked up at run time because Glibc's module does not declare
    /// it (it is a GNU extension) and this target may not change the C shim.
    private static func setnsFunction(operation: String) throws(NetlinkError) -> SetnsFunction {
        // The C library stays loaded for the life of the process, so the pointer outlives the handle.
        guard let program = dlopen(nil, RTLD_NOW) else {
            throw NetlinkError(operation: operation, errno: ENOSYS, message: "the C library does not provide setns")
        }
        defer { dlclose(program) }
        guard let symbol = dlsym(program, "setns") else {
            throw NetlinkError(operation: operation, errno: ENOSYS, message: "the C library does not provide setns")
        }
        return unsafeBitCast(symbol, to: SetnsFunction.self)
    }
}
