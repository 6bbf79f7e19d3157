import CMTuneTestSupport
import Testing

@testable import HostKit

#if canImport(Glibc)
import Glibc
#endif

@Suite("Listening sockets (/proc/net/tcp, tcp6)")
struct ListeningSocketsTests {
    static let header4 = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    static let header6 =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"

    @Test("the 6.18 files: only LISTEN rows, addresses as ss prints them, inodes")
    func realKernel() {
        let tree = StackFixture.tree(["proc/net/tcp": StackFixture.text("tcp-6.18"), "proc/net/tcp6": StackFixture.text("tcp6-6.18")])
        let sockets = ListeningSockets.read(from: tree.root)
        #expect(sockets.issues.isEmpty, "\(sockets.issues)")
        #expect(
            Set(sockets.listeners) == [
                .init(port: 38111, address: "127.0.0.1", inode: 407_289), .init(port: 36179, address: "::1", inode: 407_290),
                .init(port: 57881, address: "::", inode: 407_291),
            ])
        #expect(sockets.ports == [36179, 38111, 57881])
    }

    @Test("an IPv4-mapped listener in tcp6, SO_REUSEPORT twins, a 0.0.0.0 listener: ports distinct and sorted")
    func mappedAndTwins() {
        let tcp = """
            \(Self.header4)
               0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
               1: 0A00020F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 100 0 0 10 0
               2: 0A00020F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 100 0 0 10 0
            """
        let tcp6 = """
            \(Self.header6)
               0: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 200 1 0000000000000000 100 0 0 10 0
               1: B80D0120000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 201 1 0000000000000000 100 0 0 10 0
            """
        let tree = StackFixture.tree(["proc/net/tcp": tcp, "proc/net/tcp6": tcp6])
        let sockets = ListeningSockets.read(from: tree.root)
        #expect(sockets.issues.isEmpty)
        #expect(sockets.listeners.count == 5)
        #expect(sockets.listeners.contains(.init(port: 8080, address: "0.0.0.0", inode: 100)))
        #expect(sockets.listeners.filter { $0.address == "15.2.0.10" }.map(\.inode) == [101, 102])
        #expect(sockets.listeners.contains(.init(port: 80, address: "::ffff:127.0.0.1", inode: 200)))
        #expect(sockets.listeners.contains(.init(port: 443, address: "2001:db8::1", inode: 201)))
        #expect(sockets.ports == [80, 443, 8080])
    }

    @Test("tcp missing is an issue; tcp6 missing (IPv6 disabled) is not")
    func missing() {
        let none = ListeningSockets.read(from: FixtureTree().root)
        #expect(none.listeners.isEmpty)
        #expect(none.issues.count == 1)
        #expect(none.issues.first?.path.hasSuffix("proc/net/tcp") == true)

        let v4 = StackFixture.tree(["proc/net/tcp": StackFixture.text("tcp-6.18")])
        let sockets = ListeningSockets.read(from: v4.root)
        #expect(sockets.issues.isEmpty)
        #expect(sockets.ports == [38111])
    }

    @Test("malformed rows are issues with their line and left out; well-formed rows around them still count")
    func malformed() throws {
        let rows = [
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0",  // 9 columns
            "   1: 0100007F:1F91 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000     0        0 5 1",  // bad state
            "   2: 00007F:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1",  // short address
            "   3: 0100007F:1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 18446744073709551616 1",  // inode > 64 bits
            "   4: 0100007F:11F94 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 8 1",  // 5-digit port
            "   5: 0100007F:1F95 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9 1",  // good
        ]
        let tree = StackFixture.tree(["proc/net/tcp": ([Self.header4] + rows).joined(separator: "\n") + "\n"])
        let sockets = ListeningSockets.read(from: tree.root)
        let path = tree.root.absolute("proc/net/tcp")
        #expect(sockets.listeners == [.init(port: 0x1F95, address: "127.0.0.1", inode: 9)])
        #expect(sockets.issues.compactMap(\.line) == [2, 3, 4, 5, 6])
        #expect(sockets.issues.allSatisfy { $0.path == path })
        #expect(try #require(issue(sockets.issues, at: path, line: 5)).message.contains("64 bits"))
        #expect(try #require(issue(sockets.issues, at: path, line: 3)).message.contains("'ZZ'"))
    }

    @Test("no header, an empty file, binary garbage: issues, capped, printable, no crash")
    func hostile() {
        let headless = StackFixture.tree(["proc/net/tcp": "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9 1\n"])
        let noHeader = ListeningSockets.read(from: headless.root)
        #expect(noHeader.issues.map(\.line) == [1])
        #expect(noHeader.listeners.count == 1)

        let emptyTree = StackFixture.tree(["proc/net/tcp": ""])
        let empty = ListeningSockets.read(from: emptyTree.root)
        #expect(empty.issues.count == 1)
        #expect(empty.issues.first?.message.contains("empty") == true)

        var garbage = Self.header4 + "\n"
        for index in 0..<500 { garbage += "\(index): \u{0}\u{1}\u{2}\u{ff} 0A \u{7f}\n" }
        let garbageTree = StackFixture.tree(["proc/net/tcp": garbage])
        let sockets = ListeningSockets.read(from: garbageTree.root)
        #expect(sockets.listeners.isEmpty)
        #expect(sockets.issues.count == 21)
        #expect(sockets.issues.last?.message.contains("480 more") == true)
        #expect(sockets.issues.allSatisfy { $0.message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } })
    }

    /// The words of an address as the kernel prints them on this machine (`%08X` of each
    /// native 32-bit word).
    static func kernelHex(_ bytes: [UInt8]) -> [UInt8] {
        var text = ""
        for word in stride(from: 0, to: bytes.count, by: 4) {
            let value = bytes[word..<word + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            let hex = String(value, radix: 16, uppercase: true)
            text += String(repeating: "0", count: 8 - hex.count) + hex
        }
        return Array(text.utf8)
    }

    static func inetNtop6(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let written = bytes.withUnsafeBytes { source in inet_ntop(AF_INET6, source.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard written != nil else { return "inet_ntop failed" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("IPv6 text is glibc's inet_ntop text, for chosen edge cases and random addresses")
    func ipv6MatchesInetNtop() throws {
        var cases: [[UInt8]] = [
            Array(repeating: 0, count: 16), Array(repeating: 0, count: 15) + [1], [0xFE, 0x80] + Array(repeating: 0, count: 14),
            Array(repeating: 0, count: 10) + [0xFF, 0xFF, 10, 0, 0, 1], Array(repeating: 0, count: 12) + [1, 2, 3, 4],
            [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1],
            [0x20, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], Array(repeating: 0xFF, count: 16),
            [0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], Array(repeating: 0, count: 10) + [0xFF, 0xFE, 1, 2, 3, 4],
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<16 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                // Mostly zeros, so runs of zero groups of every length occur.
                bytes.append(state >> 60 < 9 ? 0 : UInt8(truncatingIfNeeded: state >> 33))
            }
            cases.append(bytes)
        }
        for bytes in cases {
            #expect(SocketAddressText.ipv6(bytes) == Self.inetNtop6(bytes), "\(bytes)")
            let hex = Self.kernelHex(bytes)
            #expect(SocketAddressText.addressBytes(hex[...], words: 4) == bytes)
        }
    }

    #if os(Linux)
    @Test("live: a socket listening on 127.0.0.1 and one on ::1 are found, by port and by inode")
    func live() throws {
        let v4 = try #require(LoopbackListener(ipv6: false))
        let sockets = ListeningSockets.read(from: HostRoot())
        #expect(sockets.issues.isEmpty, "\(sockets.issues)")
        #expect(sockets.listeners.contains(.init(port: v4.port, address: "127.0.0.1", inode: v4.inode)))
        #expect(sockets.ports.contains(v4.port))
        guard let v6 = LoopbackListener(ipv6: true) else { return }  // IPv6 disabled on this host
        let again = ListeningSockets.read(from: HostRoot())
        #expect(again.listeners.contains(.init(port: v6.port, address: "::1", inode: v6.inode)))
        #expect(again.listeners.contains(.init(port: v4.port, address: "127.0.0.1", inode: v4.inode)))
    }
    #endif
}

#if os(Linux)
/// A TCP socket listening on a loopback address and a port the kernel picks; closed on deinit.
final class LoopbackListener {
    let descriptor: Int32
    let port: Int
    let inode: UInt64

    init?(ipv6: Bool) {
        let descriptor = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var port = 0
        var bound = false
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin6_port))
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, $0, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }
        var info = stat()
        guard bound, fstat(descriptor, &info) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        self.port = port
        self.inode = UInt64(info.st_ino)
    }

    deinit { close(descriptor) }
}
#endif
