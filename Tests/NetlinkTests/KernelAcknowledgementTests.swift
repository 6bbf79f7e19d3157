import Testing

@testable import Netlink

/// The framing around replies and errors, built byte by byte as the kernel lays it out
/// (linux/netlink.h), so the error path is checked even where the kernel never fails.
@Suite struct KernelAcknowledgementTests {
    static let nlmsgError: UInt16 = 2  // NLMSG_ERROR
    static let nlmsgDone: UInt16 = 3  // NLMSG_DONE

    static func header(length: Int, type: UInt16, flags: UInt16, sequence: UInt32 = 7) -> [UInt8] {
        bytes(UInt32(length)) + bytes(type) + bytes(flags) + bytes(sequence) + bytes(UInt32(1234))
    }

    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }

    static func message(type: UInt16, flags: UInt16, payload: [UInt8]) -> [UInt8] {
        header(length: 16 + payload.count, type: type, flags: flags) + payload
    }

    @Test func aCappedErrorKeepsTheErrnoAndTheExtendedAckMessage() throws {
        let echoedRequest = Self.header(length: 36, type: 0x15, flags: 0x5)
        let tlvs = [NetlinkAttribute.string(1, "no device matches ifindex"), .u32(2, 20)].netlinkEncoded()
        let raw = Self.message(
            type: Self.nlmsgError, flags: 0x100 | 0x200, payload: Self.bytes(Int32(-19)) + echoedRequest + tlvs)
        let acknowledgement = try KernelAcknowledgement(errorMessage: raw)
        #expect(acknowledgement.errno == 19)
        #expect(acknowledgement.message == "no device matches ifindex")
    }

    @Test func anUncappedErrorSkipsTheWholeEchoedRequestBeforeTheAttributes() throws {
        // Without NETLINK_CAP_ACK the kernel echoes the request in full (here 16 + 8 bytes).
        let echoedRequest = Self.header(length: 24, type: 0x15, flags: 0x5) + [1, 2, 3, 4, 5, 6, 7, 8]
        let tlvs = [NetlinkAttribute.string(1, "requested channel count exceeds maximum")].netlinkEncoded()
        let raw = Self.message(
            type: Self.nlmsgError, flags: 0x200, payload: Self.bytes(Int32(-22)) + echoedRequest + tlvs)
        let acknowledgement = try KernelAcknowledgement(errorMessage: raw)
        #expect(acknowledgement.errno == 22)
        #expect(acknowledgement.message == "requested channel count exceeds maximum")
    }

    @Test func anErrorWithoutAttributesHasNoMessage() throws {
        let echoedRequest = Self.header(length: 20, type: 0x15, flags: 5)
        let raw = Self.message(type: Self.nlmsgError, flags: 0x100, payload: Self.bytes(Int32(-95)) + echoedRequest)
        let acknowledgement = try KernelAcknowledgement(errorMessage: raw)
        #expect(acknowledgement == KernelAcknowledgement(errno: 95, message: nil))
    }

    @Test func aTruncatedErrorIsRejected() {
        let raw = Self.message(type: Self.nlmsgError, flags: 0, payload: Self.bytes(Int32(-1)))
        #expect(throws: NetlinkError.self) { try KernelAcknowledgement(errorMessage: raw) }
    }

    @Test func aDumpThatFailedReportsItsErrnoInDone() throws {
        let tlvs = [NetlinkAttribute.string(1, "device is down")].netlinkEncoded()
        let raw = Self.message(type: Self.nlmsgDone, flags: 0x2 | 0x200, payload: Self.bytes(Int32(-19)) + tlvs)
        let acknowledgement = try KernelAcknowledgement(doneMessage: raw)
        #expect(acknowledgement.errno == 19)
        #expect(acknowledgement.message == "device is down")
    }

    @Test func aCleanDoneIsSuccessEvenWhenEmpty() throws {
        let withZero = Self.message(type: Self.nlmsgDone, flags: 0x2, payload: Self.bytes(Int32(0)))
        #expect(try KernelAcknowledgement(doneMessage: withZero).errno == 0)
        let empty = Self.message(type: Self.nlmsgDone, flags: 0x2, payload: [])
        #expect(try KernelAcknowledgement(doneMessage: empty).errno == 0)
    }

    @Test func aGenericNetlinkReplyParsesItsCommandAndAttributes() throws {
        let attributes = [NetlinkAttribute.u32(2, 4), .u32(6, 2)].netlinkEncoded()
        let raw = Self.message(type: 0x15, flags: 0, payload: [18, 1, 0, 0] + attributes)
        let message = try GenericNetlinkMessage(rawMessage: raw)
        #expect(message.command == 18)
        #expect(message.version == 1)
        #expect(message.attributes.u32(2) == 4)
        #expect(message.attributes.u32(6) == 2)
    }

    @Test func aMessageLongerThanWhatArrivedIsRejected() {
        var raw = Self.message(type: 0x15, flags: 0, payload: [18, 1, 0, 0])
        raw[0] = 64
        #expect(throws: NetlinkError.self) { try GenericNetlinkMessage(rawMessage: raw) }
    }
}
