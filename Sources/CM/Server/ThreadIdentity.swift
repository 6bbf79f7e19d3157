import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The kernel's name for an event loop thread, so `/proc/PID/task/TID` (what `verify` and
/// `top` sample) can be matched to a loop. Glibc's `gettid` is hidden behind `_GNU_SOURCE`,
/// which Swift does not define; `/proc/thread-self` links to `PID/task/TID` for the caller.
enum ThreadIdentity {
    static func currentThreadID() -> Int? {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let target = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.flatMap { Int($0) }
    }
}
