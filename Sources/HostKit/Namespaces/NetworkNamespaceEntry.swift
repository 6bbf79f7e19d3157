import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs a closure with the calling thread inside a named network namespace (`ip netns add NAME`),
/// the one place cmtune calls `setns`.
///
/// A socket (netlink, packet, TCP) belongs for its whole life to the namespace it was created
/// in, and a sysfs mount shows the namespace it was mounted from, so callers enter only around
/// socket creation or a mount. `setns` moves the calling thread only and the closure is
/// synchronous, so nothing else runs on this thread while it is away; the thread is always
/// moved back before returning.
public enum NetworkNamespaceEntry {
    /// Where iproute2 keeps a bind mount of each named namespace.
    public static let directory = "/run/netns"

    /// Why a namespace could not be entered, with the errno the kernel gave.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Step: Sendable, Equatable {
            /// Empty, ".", "..", or holding a slash: not a name iproute2 could have made.
            case invalidName
            /// The C library has no `setns` (errno ENOSYS).
            case noSetns
            /// /proc/thread-self/ns/net could not be opened, so the thread could not come back.
            case openOwnNamespace
            /// /run/netns/NAME could not be opened; ENOENT means there is no such namespace.
            case openNamedNamespace
            /// `setns` refused (EPERM without CAP_SYS_ADMIN).
            case enter
        }

        public var name: String
        public var step: Step
        public var errno: Errno

        public init(name: String, step: Step, errno: Errno) {
            self.name = name
            self.step = step
            self.errno = errno
        }

        /// The bind mount that names the namespace.
        public var path: String { "\(NetworkNamespaceEntry.directory)/\(name)" }

        /// True when no namespace has that name.
        public var isMissing: Bool { step == .openNamedNamespace && errno == .noSuchFileOrDirectory }

        public var description: String {
            switch step {
            case .invalidName: "\"\(name)\" is not a network namespace name"
            case .noSetns: "the C library does not provide setns"
            case .openOwnNamespace: "cannot open this thread's network namespace: \(errno)"
            case .openNamedNamespace where isMissing:
                "there is no network namespace named \(name) (\(path) does not exist)"
            case .openNamedNamespace: "cannot open network namespace \(name): \(errno)"
            case .enter: "cannot enter network namespace \(name) (needs CAP_SYS_ADMIN): \(errno)"
            }
        }
    }

    /// Runs `body` inside namespace `name` and returns what it returned or threw; throws
    /// `Failure` only when the namespace could not be entered (then `body` did not run).
    public static func run<T, E: Error>(
        inNamed name: String, _ body: () throws(E) -> T
    ) throws(Failure) -> Result<T, E> {
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw Failure(name: name, step: .invalidName, errno: .invalidArgument)
        }
        guard let setns = SetnsCall.function else { throw Failure(name: name, step: .noSetns, errno: .noFunction) }
        let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard original >= 0 else { throw Failure(name: name, step: .openOwnNamespace, errno: Errno(rawValue: errno)) }
        defer { close(original) }
        let target = open("\(directory)/\(name)", O_RDONLY | O_CLOEXEC)
        guard target >= 0 else { throw Failure(name: name, step: .openNamedNamespace, errno: Errno(rawValue: errno)) }
        defer { close(target) }
        guard setns(target, SetnsCall.cloneNewNet) == 0 else {
            throw Failure(name: name, step: .enter, errno: Errno(rawValue: errno))
        }
        defer {
            // A thread left in the wrong namespace would silently answer for the wrong host;
            // returning to a namespace it was just in cannot fail short of a kernel bug.
            if setns(original, SetnsCall.cloneNewNet) != 0 {
                fatalError("could not return this thread to its network namespace: errno \(errno)")
            }
        }
        do throws(E) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }
}

/// `setns(2)`, looked up at run time: Glibc's Swift module does not declare it (a GNU
/// extension) and HostKit has no C shim.
private enum SetnsCall {
    typealias Function = @convention(c) (Int32, Int32) -> Int32

    /// CLONE_NEWNET (linux/sched.h), hidden from Glibc's module with `setns`.
    static let cloneNewNet: Int32 = 0x4000_0000

    /// SAFETY: `dlsym` returns the address of glibc's `int setns(int, int)`, whose C signature
    /// is `Function`; the C library stays loaded for the life of the process, so the pointer
    /// outlives the handle.
    static let function: Function? = {
        guard let program = dlopen(nil, RTLD_NOW) else { return nil }
        defer { dlclose(program) }
        guard let symbol = dlsym(program, "setns") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()
}
