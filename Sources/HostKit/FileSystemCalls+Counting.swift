import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension FileSystemCalls {
    /// How many entries a directory has, without `.` and `..`, without building or sorting
    /// their names: /proc/PID/fd of a CM holds one entry per connection, hundreds of
    /// thousands, and only the number is wanted.
    static func countEntries(atPath path: String) -> Result<Int, Errno> {
        guard let directory = opendir(path) else { return .failure(Errno(rawValue: errno)) }
        defer { closedir(directory) }
        var count = 0
        errno = 0
        while let entry = readdir(directory) {
            // SAFETY: d_name is a NUL-terminated array inside the entry readdir returned; it is
            // read before the next readdir call and the pointer does not leave this closure.
            let isDots = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: UInt8.self, capacity: 3) { name in
                    name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
                }
            }
            if !isDots { count += 1 }
        }
        // readdir returns NULL at the end and on error alike; errno tells them apart.
        if errno != 0 { return .failure(Errno(rawValue: errno)) }
        return .success(count)
    }
}

extension HostRoot {
    /// The number of entries in a directory (noted as a listing, so a snapshot copies it).
    public func countEntries(_ relativePath: String) throws(HostError) -> Int {
        recorder?.noteListing(relativePath)
        switch FileSystemCalls.countEntries(atPath: absolute(relativePath)) {
        case .success(let count): return count
        case .failure(let errno): throw HostError(.list, path: absolute(relativePath), errno: errno)
        }
    }
}
