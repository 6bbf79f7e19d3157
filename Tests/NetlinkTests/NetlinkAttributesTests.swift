import Testing

@testable import Netlink

/// The attribute codec is pure Swift, so its framing rules are checked here without a kernel.
@Suite struct NetlinkAttributesTests {
    @Test func scalarsRoundTripThroughTheWireForm() throws {
        let attributes: [NetlinkAttribute] = [
            .u8(1, 0xAB), .u16(2, 0xBEEF), .u32(3, 0xDEAD_BEEF), .u64(4, 0x0123_4567_89AB_CDEF),
            .string(5, "eth0"), .binary(6, [1, 2, 3, 4, 5]),
        ]
        let parsed = try NetlinkAttributes(parsing: attributes.netlinkEncoded())
        #expect(parsed.u8(1) == 0xAB)
        #expect(parsed.u16(2) == 0xBEEF)
        #expect(parsed.u32(3) == 0xDEAD_BEEF)
        #expect(parsed.u64(4) == 0x0123_4567_89AB_CDEF)
        #expect(parsed.string(5) == "eth0")
        #expect(parsed.payload(6) == [1, 2, 3, 4, 5])
        #expect(parsed.map(\.type) == [1, 2, 3, 4, 5, 6])
    }

    @Test func eachAttributeIsPaddedToFourBytesButKeepsItsTrueLength() throws {
        let bytes = [NetlinkAttribute.u8(7, 1), .u8(8, 2)].netlinkEncoded()
        #expect(bytes.count == 16)
        // nla_len counts header and payload, not padding.
        #expect(bytes[0] == 5 && bytes[1] == 0)
        #expect(bytes[5...7] == [0, 0, 0])
        let parsed = try NetlinkAttributes(parsing: bytes)
        #expect(parsed.u8(7) == 1)
        #expect(parsed.u8(8) == 2)
    }

    @Test func nestsCarryTheNestedFlagAndParseOnDemand() throws {
        let header = NetlinkAttribute.nested(1, [.u32(1, 42), .string(2, "v0")])
        let bytes = [header, .u32(6, 3)].netlinkEncoded()
        let rawType = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
        #expect(rawType & 0x8000 != 0, "strictly validated families reject a nest without NLA_F_NESTED")
        let parsed = try NetlinkAttributes(parsing: bytes)
        #expect(parsed[0].type == 1)
        #expect(parsed[0].isNested)
        let inner = try #require(try parsed.nested(1))
        #expect(inner.u32(1) == 42)
        #expect(inner.string(2) == "v0")
        #expect(parsed.u32(6) == 3)
        #expect(try parsed.nested(9) == nil)
    }

    @Test func anAttributeRunningPastTheBufferIsAnErrorNotATruncation() {
        var bytes = [NetlinkAttribute.u32(1, 7)].netlinkEncoded()
        bytes[0] = 12  // claims 12 bytes, 8 present
        #expect(throws: NetlinkError.self) { try NetlinkAttributes(parsing: bytes) }
        do {
            _ = try NetlinkAttributes(parsing: bytes)
        } catch {
            #expect(error.code == .parseError)
            #expect(error.message.contains("claims 12 bytes"))
        }
    }

    @Test func anAttributeShorterThanItsHeaderIsAnError() {
        #expect(throws: NetlinkError.self) { try NetlinkAttributes(parsing: [2, 0, 1, 0]) }
    }

    @Test func aWrongSizeGivesNilRatherThanAGuessedNumber() throws {
        let parsed = try NetlinkAttributes(parsing: [NetlinkAttribute.u16(1, 9)].netlinkEncoded())
        #expect(parsed.u16(1) == 9)
        #expect(parsed.u32(1) == nil)
        #expect(parsed.u8(1) == nil)
        #expect(parsed.u32(2) == nil)
    }

    @Test func variableWidthUnsignedAcceptsFourOrEightBytes() throws {
        let parsed = try NetlinkAttributes(
            parsing: [NetlinkAttribute.u32(8, 1234), .u64(9, 1 << 40), .u16(10, 1)].netlinkEncoded())
        #expect(parsed.uint(8) == 1234)
        #expect(parsed.uint(9) == 1 << 40)
        #expect(parsed.uint(10) == nil)
    }

    @Test func aBinaryAttributeReadsAsAnArrayOfU32() throws {
        let table: [UInt32] = [0, 1, 2, 3, 0, 1, 2, 3]
        let payload = table.flatMap { value in withUnsafeBytes(of: value) { Array($0) } }
        let parsed = try NetlinkAttributes(parsing: [NetlinkAttribute.binary(4, payload)].netlinkEncoded())
        #expect(parsed.u32Array(4) == table)
        let odd = try NetlinkAttributes(parsing: [NetlinkAttribute.binary(4, [1, 2, 3])].netlinkEncoded())
        #expect(odd.u32Array(4) == nil)
    }

    @Test func repeatedAttributesAreAllKept() throws {
        let parsed = try NetlinkAttributes(parsing: [NetlinkAttribute.u32(3, 1), .u32(3, 2)].netlinkEncoded())
        #expect(parsed.u32(3) == 1)
        #expect(parsed.payloads(3).count == 2)
        #expect(parsed.contains(3))
        #expect(!parsed.contains(4))
    }

    @Test func trailingPaddingShorterThanAHeaderIsIgnored() throws {
        let parsed = try NetlinkAttributes(parsing: [NetlinkAttribute.u32(1, 5)].netlinkEncoded() + [0, 0])
        #expect(parsed.count == 1)
        #expect(parsed.u32(1) == 5)
    }
}
