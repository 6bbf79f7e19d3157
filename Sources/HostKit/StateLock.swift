#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive lock on cmtune's state directory, held for the whole of a command that writes
/// the host (`spread`, `restore`, `sysctl --apply`).
///
/// Two writers at once would each snapshot the other's half-written values, and a writer that
/// finds a snapshot still marked "applying" must know whether its owner is alive (then wait)
/// or died mid-apply (then roll it back). `flock` answers both: the kernel drops the lock when
/// its holder exits, however it exits, `kill -9` included.
public final class StateLock {
    public let path: String
    private let descriptor: Int32

    /// Why the lock could not be taken.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another live process holds it; its pid when it wrote one.
        case held(path: String, pid: Int?)
        case unusable(HostError)

        public var description: String {
            switch self {
            case .held(_, let pid):
                return "another cmtune spread, restore or sysctl --apply is running" + (pid.map { " (pid \($0))" } ?? "") + "; try again when it has finished"
            case .unusable(let error): return error.description
            }
        }
    }

    /// Takes the lock without waiting; the directory is created when missing.
    public init(directory: String) throws(Failure) {
        do {
            try StateFiles.makeDirectories(directory)
        } catch {
            throw .unusable(error)
        }
        path = directory + "/lock"
        let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard opened >= 0 else { throw .unusable(HostError(.create, path: path, errno: .init(rawValue: errno))) }
        var result: Int32
        repeat { result = flock(opened, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        guard result == 0 else {
            let code = errno
            let holder = Self.recordedPID(opened)
            close(opened)
            if code == EWOULDBLOCK { throw .held(path: path, pid: holder) }
            throw .unusable(HostError(.write, path: path, errno: .init(rawValue: code)))
        }
        descriptor = opened
        // Our pid, for the message another process will show while we hold it.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = text.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(descriptor)
    }

    private static func recordedPID(_ descriptor: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }
}
