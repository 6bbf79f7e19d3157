#if canImport(Glibc)
import Glibc
#endif

/// Tests that flood a namespace, or judge where the host's receive work runs, read and disturb
/// counters that are host-wide (/proc/net/softnet_stat, /proc/stat): two of them at once would
/// each see the other's packets. They take this lock (an flock, so it also holds across test
/// processes) to run one at a time; other tests run beside them as usual.
public enum HostWideMeasurement {
    public static let lockPath = "/tmp/cmtune-tests-host-wide-measurement.lock"

    public static func exclusive<T>(_ body: () throws -> T) rethrows -> T {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if descriptor >= 0 {
            while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if descriptor >= 0 { close(descriptor) } }
        return try body()
    }
}
