import NIOCore
import Testing
import Wire

@Suite("CMP messages: the spec's bytes, every type")
struct CMPMessageTests {
    @Test("the spec's SEND of \"hi\" to bob encodes to exactly its bytes")
    func specExampleSend() throws {
        let send = CMPMessage.send(CMPSend(messageID: 1, recipient: "bob", payload: ByteBuffer(string: "hi")))
        let bytes = try cmpEncode(send)
        #expect(bytes == [0x30, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x62, 0x6f, 0x62, 0x00, 0x68, 0x69])
        let frame = try cmpDecodeEveryWay(bytes)
        #expect(frame.message == send && frame.wireLength == 14 && frame.problems.isEmpty)
    }

    @Test(
        "hand-written messages decode to their values, fed whole, byte by byte and split anywhere",
        arguments: CMPVectors.all)
    func decodesVector(vector: CMPVector) throws {
        let frame = try cmpDecodeEveryWay(vector.bytes)
        #expect(frame.message == vector.message)
        #expect(frame.message.type.rawValue == vector.bytes[0] >> 4)
        #expect(frame.problems.isEmpty)
        #expect(frame.wireLength == vector.bytes.count)
    }

    @Test("the encoder writes exactly the hand-written bytes", arguments: CMPVectors.all)
    func encodesVector(vector: CMPVector) throws {
        #expect(try cmpEncode(vector.message) == vector.bytes)
    }

    @Test("the vectors cover every message type")
    func everyType() {
        let types = Set(CMPVectors.all.map(\.message.type))
        #expect(types == Set(CMPMessageType.allCases))
    }

    @Test("a decoded payload is a view of the input: its bytes in place, nothing copied")
    func payloadIsAView() throws {
        var input = ByteBuffer(bytes: [0xEE, 0xEE] + CMPVectors.send.bytes)
        input.moveReaderIndex(forwardBy: 2)
        let messageAddress = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var decoder = CMPDecoder()
        let frame = try #require(try decoder.decode(buffer: &input))
        guard case .send(let send) = frame.message else {
            Issue.record("not a SEND")
            return
        }
        #expect(send.payload.readableBytes == 2)
        #expect(send.payload.readerIndex == 2 + 12)  // the payload's place in the input
        let payloadAddress = send.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadAddress == messageAddress + 12)
    }

    @Test("message flags follow the body")
    func flags() {
        #expect(CMPVectors.sendToRoom.message.flags == 1 && CMPVectors.send.message.flags == 0)
        #expect(CMPVectors.deliverFromRoom.message.flags == 1 && CMPVectors.deliver.message.flags == 0)
        #expect(CMPMessage.ping.extensions == nil && CMPVectors.logout.message.extensions == .empty)
    }
}
