import Glibc
import Testing

@testable import Netlink

/// How ethtool requests name their device and how RSS hash bits are read, without a kernel.
@Suite struct EthtoolRequestTests {
    @Test func theHeaderCarriesIndexAndNameSoTheKernelChecksTheyAgree() throws {
        let header = try NetlinkDevice(name: "eth0", index: 4).ethtoolHeader(operation: "op")
        let parsed = try NetlinkAttributes(parsing: header.netlinkEncoded())
        #expect(parsed.u32(EthtoolNetlink.Header.devIndex) == 4)
        #expect(parsed.string(EthtoolNetlink.Header.devName) == "eth0")
    }

    @Test func anIndexOfZeroIsUnknownAndLeftOut() throws {
        let header = try NetlinkDevice(name: "eth0", index: 0).ethtoolHeader(operation: "op")
        #expect(header.map(\.type) == [EthtoolNetlink.Header.devName])
    }

    @Test func aDeviceWithNeitherNameNorIndexIsRejectedBeforeAnythingIsSent() throws {
        let error = try #require(throws: NetlinkError.self) {
            try NetlinkDevice().ethtoolHeader(operation: "ethtool CHANNELS_GET (no device)")
        }
        #expect(error.errno == ENODEV)
        #expect(error.operation == "ethtool CHANNELS_GET (no device)")
    }

    @Test func errorsNameTheDeviceTheWayUsersTypeIt() {
        let both = NetlinkDevice(name: "eth0", index: 4)
        #expect(EthtoolClient.operation(.channelsGet, both) == "ethtool CHANNELS_GET eth0")
        #expect(EthtoolClient.operation(.rssGet, .index(7)) == "ethtool RSS_GET ifindex 7")
        #expect(NetdevClient.operation(.queueGet, ifindex: 7, name: nil) == "netdev QUEUE_GET ifindex 7")
    }

    @Test func rssHashBitsReadAsEthtoolsNames() {
        #expect(EthtoolClient.hashFunctionNames(0b001) == ["toeplitz"])
        #expect(EthtoolClient.hashFunctionNames(0b110) == ["xor", "crc32"])
        #expect(EthtoolClient.hashFunctionNames(0) == [])
        #expect(EthtoolClient.hashFunctionNames(1 << 5) == ["unknown-bit-5"])
    }
}
