import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The raw file system calls HostKit makes, in one place, returning `Result` with the errno.
///
/// sysfs files report a size of 4096 whatever they hold and procfs files report 0, so files are
/// read until EOF rather than by `stat` size. EINTR is retried here and nowhere else.
enum FileSystemCalls {
    /// Reads a whole regular file. sysfs attributes fit in one page; /proc/interrupts on a
    /// 256-CPU host is a few hundred kilobytes, so the buffer grows geometrically.
    ///
    /// Never blocks: a FIFO would block the open or the read until a writer came, and a
    /// character device (/dev/zero, a terminal) can block or never end, so anything that is not
    /// a regular file is refused. The path is looked at before it is opened, because opening a
    /// device can have effects of its own (a watchdog arms, a tape rewinds); the descriptor is
    /// opened non-blocking and looked at again, in case the path changed in between. procfs
    /// and sysfs attributes are regular files, so the live host reads as before.
    static func readFile(atPath path: String) -> Result<[UInt8], ReadFailure> {
        var info = stat()
        if stat(path, &info) != 0 { return .failure(.system(Errno(rawValue: errno))) }
        if let type = nonRegularType(info.st_mode) { return .failure(.notRegularFile(type)) }
        // open(2) on the C string directly: a FilePath costs a normalisation pass per call, and
        // `nic` on a NIC with thousands of queues opens hundreds of thousands of files.
        var raw: CInt
        repeat {
            raw = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY) }
        } while raw < 0 && errno == EINTR
        guard raw >= 0 else { return .failure(.system(Errno(rawValue: errno))) }
        let descriptor = FileDescriptor(rawValue: raw)
        defer { try? descriptor.close() }
        guard fstat(descriptor.rawValue, &info) == 0 else { return .failure(.system(Errno(rawValue: errno))) }
        if let type = nonRegularType(info.st_mode) { return .failure(.notRegularFile(type)) }
        var bytes: [UInt8] = []
        var capacity = 4096
        while true {
            var failure: Errno?
            // Read straight into spare capacity: filling it first (append of zeros) costs a
            // loop per byte in debug builds, which the tests run.
            let chunk = [UInt8](unsafeUninitializedCapacity: capacity - bytes.count) { buffer, initialized in
                do {
                    initialized = try descriptor.read(into: UnsafeMutableRawBufferPointer(buffer), retryOnInterrupt: true)
                } catch {
                    failure = error as? Errno ?? .ioError
                    initialized = 0
                }
            }
            // EAGAIN here is a regular file that would block (/proc/kmsg): a failure, not a wait.
            if let failure { return .failure(.system(failure)) }
            guard !chunk.isEmpty else { return .success(bytes) }
            bytes.append(contentsOf: chunk)
            if bytes.count == capacity { capacity *= 2 }
        }
    }

    /// Why a file was not read: the kernel's errno, or a kind of file HostKit does not open.
    enum ReadFailure: Error, Equatable {
        case system(Errno)
        case notRegularFile(HostError.FileType)

        func hostError(path: String) -> HostError {
            switch self {
            case .system(let errno): return HostError(.read, path: path, errno: errno)
            case .notRegularFile(let type): return HostError(.read, path: path, refused: type)
            }
        }
    }

    /// nil for a regular file; otherwise what the mode says the file is.
    private static func nonRegularType(_ mode: mode_t) -> HostError.FileType? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Writes text the way `echo value > file` does for sysfs: one write call, so the kernel
    /// sees the whole value at once and answers with its own errno (EIO, EINVAL, EOVERFLOW...).
    static func writeFile(atPath path: String, bytes: [UInt8], create: Bool = false) -> Result<Void, Errno> {
        let descriptor: FileDescriptor
        do {
            // Truncate like the shell's `>`: sysfs and procfs ignore it, a plain file (a fake
            // root, a snapshot) would otherwise keep the tail of a longer old value.
            // Non-blocking, so a FIFO in a fake root is ENXIO or EAGAIN instead of a hang.
            var options: FileDescriptor.OpenOptions = [.closeOnExec, .truncate, .nonBlocking]
            if create { options.formUnion([.create]) }
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: options, permissions: create ? [.ownerReadWrite, .groupRead, .otherRead] : nil)
        } catch {
            return .failure(error as? Errno ?? .ioError)
        }
        defer { try? descriptor.close() }
        do {
            let written = try descriptor.writeAll(bytes)
            return written == bytes.count ? .success(()) : .failure(.ioError)
        } catch {
            return .failure(error as? Errno ?? .ioError)
        }
    }

    /// Names in a directory, without `.` and `..`, in no particular order.
    static func listDirectory(atPath path: String) -> Result<[String], Errno> {
        guard let directory = opendir(path) else { return .failure(Errno(rawValue: errno)) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: pointer.pointee)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    static func readLink(atPath path: String) -> Result<String, Errno> {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length >= 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    enum EntryKind: Sendable { case file, directory, symbolicLink, other }

    /// What a path is, without following a final symbolic link.
    static func entryKind(atPath path: String) -> Result<EntryKind, Errno> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(Errno(rawValue: errno)) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .success(.file)
        case S_IFDIR: return .success(.directory)
        case S_IFLNK: return .success(.symbolicLink)
        default: return .success(.other)
        }
    }

    static func makeDirectory(atPath path: String) -> Result<Void, Errno> {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return .success(()) }
        return .failure(Errno(rawValue: errno))
    }

    static func makeSymbolicLink(atPath path: String, target: String) -> Result<Void, Errno> {
        if symlink(target, path) == 0 || errno == EEXIST { return .success(()) }
        return .failure(Errno(rawValue: errno))
    }

    /// Removes a directory tree without following links out of it (a snapshot holds sysfs-style
    /// links that point all over the copy; unlinking them must not touch their targets).
    static func removeTree(atPath path: String) -> Result<Void, Errno> {
        switch entryKind(atPath: path) {
        case .failure(let errno): return errno == .noSuchFileOrDirectory ? .success(()) : .failure(errno)
        case .success(.directory):
            guard case .success(let names) = listDirectory(atPath: path) else { return .failure(Errno(rawValue: errno)) }
            for name in names {
                if case .failure(let errno) = removeTree(atPath: "\(path)/\(name)") { return .failure(errno) }
            }
            return rmdir(path) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
        case .success:
            return unlink(path) == 0 ? .success(()) : .failure(Errno(rawValue: errno))
        }
    }
}
