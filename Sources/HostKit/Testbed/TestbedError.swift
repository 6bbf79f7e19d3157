import SystemPackage

/// Why a veth testbed could not be built or changed, with the command's own words or the errno.
public enum TestbedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tool (`ip`) could not be started at all.
    case launch(arguments: [String], detail: String)
    /// A tool ran and failed; `message` is its standard error.
    case command(arguments: [String], status: Int32, message: String)
    /// A tool was still running after its deadline and was killed: a hung `ip` fails instead
    /// of stopping the caller (a test run, `verify --netns`).
    case timedOut(arguments: [String], seconds: Double)
    /// The namespace's sysfs could not be mounted to write its queues' settings.
    case mount(namespace: String, path: String, errno: Errno)
    /// The namespace could not be entered to mount its sysfs.
    case namespace(NetworkNamespaceEntry.Failure)
    /// A sysfs file of the testbed could not be written.
    case sysfs(HostError)

    public var description: String {
        switch self {
        case .launch(let arguments, let detail): "\(arguments.joined(separator: " ")): \(detail)"
        case .command(let arguments, let status, let message):
            "\(arguments.joined(separator: " ")): \(message.isEmpty ? "exit status \(status)" : message)"
        case .timedOut(let arguments, let seconds): "\(arguments.joined(separator: " ")): still running after \(seconds) s, killed"
        case .mount(let namespace, let path, let errno):
            "cannot mount the sysfs of network namespace \(namespace) on \(path): \(errno) (errno \(errno.rawValue))"
        case .namespace(let failure): failure.description
        case .sysfs(let error): error.description
        }
    }
}
