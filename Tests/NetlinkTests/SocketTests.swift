import Glibc
import Netlink
import Testing

/// The socket's own failure paths: what the user sees when a namespace or family is missing.
@Suite struct SocketTests {
    @Test func aMissingNamespaceIsNamedInTheError() throws {
        let name = "cmtnl-absent-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let error = try #require(throws: NetlinkError.self) { try GenericNetlinkSocket(networkNamespace: name) }
        #expect(error.errno == ENOENT)
        #expect(error.operation == "enter network namespace \(name)")
        #expect(error.message.contains("no network namespace named \(name)"))
    }

    @Test func aNamespaceNameCannotBeAPath() throws {
        let error = try #require(throws: NetlinkError.self) { try GenericNetlinkSocket(networkNamespace: "../etc") }
        #expect(error.errno == EINVAL)
    }

    @Test func aFamilyTheKernelLacksIsNotSupported() throws {
        let socket = try GenericNetlinkSocket()
        let error = try #require(throws: NetlinkError.self) { try socket.resolveFamily("cmtune-nonexistent") }
        #expect(error.missingFamily == "cmtune-nonexistent")
        #expect(error.isNotSupported)
        #expect(error.code == .objectNotFound)
    }

    @Test func theEthtoolFamilyResolvesAndAnUnknownCommandIsUnsupported() throws {
        let socket = try GenericNetlinkSocket()
        let family = try socket.resolveFamily("ethtool")
        #expect(family.id > 0)
        // Command 250 is far past any ethtool command; the kernel answers EOPNOTSUPP.
        let error = try #require(throws: NetlinkError.self) {
            try socket.request(family: family, command: 250, operation: "ethtool 250")
        }
        #expect(error.errno == EOPNOTSUPP)
        #expect(error.isNotSupported)
        // The socket is still usable after an error.
        #expect(try socket.resolveFamily("ethtool") == family)
    }
}
