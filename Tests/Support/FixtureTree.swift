import HostKit

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway root directory that tests fill with /proc and /sys files, removed on deinit.
public final class FixtureTree {
    public let path: String

    public init() {
        var template = Array("/tmp/cmtune-fixture-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        _ = system("rm -rf '\(path)'")
    }

    public var root: HostRoot { HostRoot(path) }

    /// Writes `content` at `relativePath`, creating directories; sysfs style newline added.
    public func write(_ relativePath: String, _ content: String, newline: Bool = true) {
        makeDirectories(parent(relativePath))
        let file = fopen("\(path)/\(relativePath)", "w")
        precondition(file != nil, "cannot create \(relativePath)")
        let bytes = Array((newline && !content.hasSuffix("\n") ? content + "\n" : content).utf8)
        fwrite(bytes, 1, bytes.count, file)
        fclose(file)
    }

    public func link(_ relativePath: String, to target: String) {
        makeDirectories(parent(relativePath))
        precondition(symlink(target, "\(path)/\(relativePath)") == 0, "symlink \(relativePath) failed")
    }

    /// A FIFO at `relativePath`: opening it for reading would wait for a writer forever.
    public func makeFIFO(_ relativePath: String) {
        makeDirectories(parent(relativePath))
        precondition(mkfifo("\(path)/\(relativePath)", 0o644) == 0, "mkfifo \(relativePath) failed: errno \(errno)")
    }

    /// A device node at `relativePath` (needs CAP_MKNOD, so root); false when it cannot be made.
    public func makeDevice(_ relativePath: String, character: Bool, major: UInt32, minor: UInt32) -> Bool {
        makeDirectories(parent(relativePath))
        let type = character ? S_IFCHR : S_IFBLK
        // glibc's makedev() is a macro Swift cannot see; this is its Linux encoding.
        let (major, minor) = (UInt64(major), UInt64(minor))
        let device = (major & 0xFFF) << 8 | (major & ~0xFFF) << 32 | (minor & 0xFF) | (minor & ~0xFF) << 12
        return mknod("\(path)/\(relativePath)", type | 0o644, dev_t(device)) == 0
    }

    public func makeDirectories(_ relativePath: String) {
        var current = path
        for part in relativePath.split(separator: "/") {
            current += "/\(part)"
            mkdir(current, 0o755)
        }
    }

    private func parent(_ relativePath: String) -> String {
        var parts = relativePath.split(separator: "/")
        parts.removeLast()
        return parts.joined(separator: "/")
    }
}

/// The fixtures copied from real servers (Tests/HostKitTests/Fixtures/real-hosts, MIT licence
/// beside them), located from this source file so tests need no bundle.
public enum RealHosts {
    public static let directory: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(2)  // Support/FixtureTree.swift
        return parts.joined(separator: "/") + "/HostKitTests/Fixtures/real-hosts"
    }()

    public static let names = [
        "1xE3-1271.I217_and_X710.L2_mixed.masterconf", "1xi3.single_i350.l2_mixed.manual",
        "2xE5-2640.i350_and_82599ES.l2_mixed.masterconf", "2xE5530.82576_and_82574L.l2_mixed.manual", "2xI350.i5-6400",
        "2xX5650.BCM5709_and_MT27520.L2.manual", "igb.E5606", "ixgbe.E5645", "kvm.l3.masterconf", "vscale-vm",
    ]

    public static func file(_ host: String, _ name: String) -> String? {
        guard let handle = fopen("\(directory)/\(host)/\(name)", "r") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A root tree holding only the host's /proc/interrupts.
    public static func interruptsOnlyTree(_ host: String) -> FixtureTree {
        let tree = FixtureTree()
        tree.write("proc/interrupts", file(host, "interrupts")!, newline: false)
        return tree
    }
}
