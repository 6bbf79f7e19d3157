internal import Glibc
import HostKit

/// Creates Netlink's sockets inside a named network namespace: a netlink socket answers for the
/// namespace it was created in, for its whole life, so only its creation needs to be there.
/// HostKit's `NetworkNamespaceEntry` does the entering; this turns its failures into the
/// `NetlinkError` that Netlink's callers expect.
enum NamespacedSocket {
    static func run<T>(named name: String?, _ body: () throws(NetlinkError) -> T) throws(NetlinkError) -> T {
        guard let name else { return try body() }
        let result: Result<T, NetlinkError>
        do {
            result = try NetworkNamespaceEntry.run(inNamed: name, body)
        } catch {
            throw NetlinkError(entering: error)
        }
        return try result.get()
    }
}

extension NetlinkError {
    /// The messages Netlink gave before the entry moved to HostKit: ENOENT and an invalid name
    /// as plain sentences, any other errno with the privilege it needs.
    init(entering failure: NetworkNamespaceEntry.Failure) {
        let operation = "enter network namespace \(failure.name)"
        let code = failure.errno.rawValue
        switch failure.step {
        case .invalidName, .noSetns:
            self.init(operation: operation, errno: code, message: failure.description)
        case .openNamedNamespace where failure.isMissing:
            self.init(
                operation: operation, errno: code,
                message: "no network namespace named \(failure.name) (\(failure.path) does not exist)")
        case .openOwnNamespace:
            self = .system(operation: operation, errno: code, privilege: "access to /proc")
        case .openNamedNamespace:
            self = .system(operation: operation, errno: code, privilege: "read access to \(failure.path)")
        case .enter:
            self = .system(operation: operation, errno: code, privilege: "CAP_SYS_ADMIN")
        }
    }
}
