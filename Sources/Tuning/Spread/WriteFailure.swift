import HostKit
import SystemPackage

/// A write the kernel refused, in plain words: which file, the errno, and what it means here.
public struct WriteFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path (or the call, for channels) that failed.
    public var target: String
    public var errno: Int32?
    public var message: String

    public init(target: String, errno: Int32?, message: String) {
        self.target = target
        self.errno = errno
        self.message = message
    }

    public var description: String { "\(target): \(message)" }

    /// True for the errno a managed IRQ answers a write with: EIO on older kernels, EPERM on
    /// 6.x (seen on 6.18 for virtio-blk's queue vectors). `spread` runs as root, so EPERM on
    /// /proc/irq means "managed", not "unprivileged".
    public static func isManagedIRQRefusal(_ errno: Errno) -> Bool {
        errno == .ioError || errno == .notPermitted
    }

    /// Explains `errno` for a write of `kind`, the way an SRE needs to hear it.
    public static func explain(_ error: HostError, kind: PlannedWrite.Kind, value: String) -> WriteFailure {
        let code = error.errno
        let meaning: String
        switch (kind, code) {
        case (.irqAffinity(let irq), .ioError), (.irqAffinity(let irq), .notPermitted):
            meaning = "IRQ \(irq) has kernel-managed affinity: the kernel places it and refuses changes (\(code == .ioError ? "EIO" : "EPERM"))"
        case (.irqAffinity, .invalidArgument):
            meaning = "the kernel refused CPUs \(value) (EINVAL): none of them is online, or this IRQ cannot be routed there"
        case (.irqAffinity, .noSpace):
            meaning = "no free interrupt vector on CPU \(value) (ENOSPC): that CPU's vector space is exhausted; choose other CPUs"
        case (_, Errno(rawValue: 75)):
            meaning = "the mask \(value) is wider than the kernel's CPU count (EOVERFLOW)"
        case (.rps, .invalidArgument), (.xps, .invalidArgument):
            meaning = "the kernel refused the mask \(value) (EINVAL): it names no usable CPU"
        case (_, .permissionDenied), (_, .notPermitted):
            meaning = "not permitted (\(code == .notPermitted ? "EPERM" : "EACCES")): writing it needs root"
        case (_, .readOnlyFileSystem):
            meaning = "read-only file system (EROFS)"
        case (_, .noSuchFileOrDirectory):
            meaning = "the file is gone (ENOENT): the device or queue disappeared"
        default:
            meaning = "write of '\(value)' failed: \(code.plainDescription)"
        }
        return WriteFailure(target: error.path, errno: code.rawValue, message: meaning)
    }
}
