import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// cmtune's own files (snapshots, saved policies, systemd units): created with their parent
/// directories, replaced atomically, removed quietly. Paths are absolute.
public enum StateFiles {
    public static func makeDirectories(_ path: String) throws(HostError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/\(part)"
            if case .failure(let errno) = FileSystemCalls.makeDirectory(atPath: current) {
                throw HostError(.create, path: current, errno: errno)
            }
        }
    }

    /// Writes to `path.tmp` then renames over `path`: readers see the old file or the new one.
    /// `mode` sets the permissions (0644 unless told: a copied binary needs 0755).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(HostError) {
        let temporary = path + ".tmp"
        if case .failure(let errno) = FileSystemCalls.writeFile(atPath: temporary, bytes: bytes, create: true) {
            throw HostError(.write, path: temporary, errno: errno)
        }
        if chmod(temporary, mode) != 0 {
            let failure = Errno(rawValue: errno)
            unlink(temporary)
            throw HostError(.write, path: temporary, errno: failure)
        }
        guard rename(temporary, path) == 0 else {
            let failure = Errno(rawValue: errno)
            unlink(temporary)
            throw HostError(.write, path: path, errno: failure)
        }
    }

    /// The whole file (a secret, a saved policy): small files cmtune itself or the operator wrote.
    public static func read(_ path: String) throws(HostError) -> [UInt8] {
        switch FileSystemCalls.readFile(atPath: path) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw failure.hostError(path: path)
        }
    }

    /// Removes a file; absent is fine.
    @discardableResult
    public static func remove(_ path: String) -> Bool {
        unlink(path) == 0 || errno == ENOENT
    }

    public static func exists(_ path: String) -> Bool {
        (try? FileSystemCalls.entryKind(atPath: path).get()) != nil
    }
}
