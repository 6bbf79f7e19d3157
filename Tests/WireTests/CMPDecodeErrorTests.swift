import NIOCore
import Testing
import Wire

@Suite("CMP decode errors")
struct CMPDecodeErrorTests {
    @Test("a reserved type is fatal on the first byte, framing lost", arguments: [0, 11, 12, 13, 14, 15] as [UInt8])
    func reservedType(type: UInt8) throws {
        let error = try #require(cmpDecodeError([type << 4 | 0x3]))
        #expect(error.kind == .reservedType(type))
        #expect(error.offset == 0 && error.messageLength == nil && error.messageType == nil && !error.isFramingIntact)
        #expect(error.description == "CMP: reserved message type \(type) (offset 0)")
    }

    @Test(
        "a reserved flag bit is fatal on the first byte",
        arguments: [
            (0x12 as UInt8, CMPMessageType.login, 0x2 as UInt8), (0x18, .login, 0x8), (0x21, .loginAck, 0x1),
            (0x32, .send, 0x2), (0x33, .send, 0x3), (0x39, .send, 0x9), (0x41, .sendAck, 0x1), (0x54, .deliver, 0x4),
            (0x61, .deliverAck, 0x1), (0x71, .ping, 0x1), (0x8F, .pong, 0xF), (0x91, .kick, 0x1), (0xA2, .logout, 0x2),
        ])
    func reservedFlags(first: UInt8, type: CMPMessageType, flags: UInt8) throws {
        let error = try #require(cmpDecodeError([first]))
        #expect(error.kind == .reservedFlags(type: type, flags: flags))
        #expect(error.offset == 0 && error.messageLength == nil && error.messageType == type)
    }

    @Test("flag bit 0 is defined for SEND and DELIVER only")
    func definedFlags() throws {
        #expect(cmpDecodeError([0x31, 0x07, 0, 0, 0, 1, 0, 0, 0]) == nil)
        #expect(CMPMessageType.allCases.filter { $0.definedFlags != 0 } == [.send, .deliver])
        let error = try #require(cmpDecodeError([0x32, 0x07, 0, 0, 0, 1, 0, 0, 0]))
        #expect(error.description == "CMP SEND: reserved flag bits 0x02 set (offset 0)")
    }

    @Test("a remaining length with a fifth byte is fatal as soon as the fourth byte is in")
    func remainingLengthTooLong() throws {
        var decoder = CMPDecoder()
        var buffer = ByteBuffer()
        for byte: UInt8 in [0x30, 0xFF, 0xFF, 0xFF] {
            buffer.writeInteger(byte)
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(decoder.awaitedMessageLength(in: buffer) == nil)
        }
        buffer.writeInteger(UInt8(0xFF))
        #expect(throws: CMPDecodeError.self) { try decoder.decode(buffer: &buffer) }
        #expect(buffer.readerIndex == 0)
        let error = try #require(cmpDecodeError([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))
        #expect(error.kind == .remainingLengthTooLong && error.messageType == .send)
        #expect(error.offset == 1 && error.messageLength == nil)
        #expect(error.description == "CMP SEND: the remaining length continues past 4 bytes (offset 1)")
    }

    @Test(
        "a non-minimal remaining length is fatal",
        arguments: [
            [0x70, 0x80, 0x00] as [UInt8], [0x30, 0xFF, 0x00], [0x30, 0x80, 0x80, 0x00], [0x30, 0x80, 0x80, 0x80, 0x00],
            [0x30, 0x80, 0x81, 0x00],
        ])
    func nonMinimal(bytes: [UInt8]) throws {
        let error = try #require(cmpDecodeError(bytes))
        #expect(error.kind == .nonMinimalRemainingLength)
        #expect(error.offset == 1 && error.messageLength == nil)
        #expect(cmpDecodeError(Array(bytes.dropLast())) == nil, "not before the last length byte")
    }

    @Test("a message over the limit is refused as soon as its header is in, naming size and limit")
    func overLimit() throws {
        var decoder = CMPDecoder(maximumMessageSize: 1000)
        var buffer = ByteBuffer(bytes: [0x30, 0xE6])
        #expect(try decoder.decode(buffer: &buffer) == nil)
        buffer.writeInteger(UInt8(0x07))  // remaining length 998: 1001 bytes
        do {
            _ = try decoder.decode(buffer: &buffer)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .messageTooLarge(length: 1001, maximum: 1000))
            #expect(error.offset == 0 && error.messageLength == 1001 && error.isFramingIntact)
            #expect(error.description == "CMP SEND: the message is 1001 bytes, over the maximum of 1000 (offset 0 of 1001)")
        }
        #expect(buffer.readerIndex == 0)
        #expect(decoder.awaitedMessageLength(in: buffer) == nil)
    }

    @Test("a declared 256 MiB message is refused from 5 bytes of input")
    func huge() throws {
        let error = try #require(cmpDecodeError([0x30, 0xFF, 0xFF, 0xFF, 0x7F]))
        #expect(error.kind == .messageTooLarge(length: 268_435_460, maximum: 16 << 20))
        #expect(error.messageLength == 268_435_460)
    }

    @Test("a message exactly at the limit decodes")
    func atLimit() throws {
        let bytes = CMPVectors.send.bytes
        var decoder = CMPDecoder(maximumMessageSize: bytes.count)
        var buffer = ByteBuffer(bytes: bytes)
        #expect(decoder.awaitedMessageLength(in: buffer) == bytes.count)
        #expect(try decoder.decode(buffer: &buffer) != nil)
        #expect(cmpDecodeError(bytes, maximumMessageSize: bytes.count - 1) != nil)
    }

    /// `bytes` cut to `length` bytes with the remaining length fixed (all under 128).
    static func cut(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        [bytes[0], UInt8(length - 2)] + bytes[2..<length]
    }

    /// The fields of each message without a payload (and the fixed part of SEND and DELIVER),
    /// with the offset where each starts.
    static let layouts: [(CMPVector, [(String, Int)])] = [
        (
            CMPVectors.login,
            [
                ("protocol name", 2), ("protocol version", 7), ("keep-alive", 8), ("user id", 10), ("device id", 17),
                ("token", 24), ("extensions", 45),
            ]
        ),
        (CMPVectors.loginAck, [("result", 2), ("session id", 3), ("server time", 11), ("keep-alive", 19), ("extensions", 21)]),
        (CMPVectors.send, [("client message id", 2), ("recipient", 6), ("extensions", 11)]),
        (CMPVectors.sendAck, [("client message id", 2), ("result", 6), ("server message id", 7), ("extensions", 15)]),
        (
            CMPVectors.deliverFromRoom,
            [
                ("server message id", 2), ("sender user id", 10), ("sender device id", 13), ("server time", 16),
                ("room id", 24), ("extensions", 30),
            ]
        ),
        (CMPVectors.deliverAck, [("server message id", 2), ("extensions", 10)]),
        (CMPVectors.kickShutdown, [("reason", 2), ("extensions", 3)]),
        (CMPVectors.logout, [("extensions", 2)]),
    ]

    @Test(
        "a message cut anywhere before its extensions names the field it cuts, at the field's offset",
        arguments: 0..<8)
    func truncatedFields(index: Int) throws {
        let (vector, fields) = CMPDecodeErrorTests.layouts[index]
        let extensionsStart = fields.last!.1
        for length in 2...extensionsStart {
            let (field, start) = fields.last { $0.1 <= length }!
            let error = try #require(cmpDecodeError(CMPDecodeErrorTests.cut(vector.bytes, to: length)), "\(vector) cut at \(length)")
            #expect(error.kind == .fieldTruncated(field), "\(vector) cut at \(length)")
            #expect(error.offset == start && error.messageLength == length && error.messageType == vector.message.type)
        }
    }

    @Test("the error names what and where in one line")
    func truncatedDescription() throws {
        let error = try #require(cmpDecodeError(CMPDecodeErrorTests.cut(CMPVectors.send.bytes, to: 9)))
        #expect(error.description == "CMP SEND: recipient runs past the end of the message (offset 6 of 9)")
    }

    @Test("a non-empty extension block cut by the message's end overruns it")
    func blockPastMessage() throws {
        let kick = CMPVectors.kickShutdown.bytes  // block at offset 3, 6 bytes
        for length in 4..<kick.count {
            let error = try #require(cmpDecodeError(CMPDecodeErrorTests.cut(kick, to: length)))
            #expect(error.kind == .extensionOverrun && error.offset == 3 && error.messageLength == length)
        }
    }

    @Test(
        "an entry that runs past its block overruns it, at the entry's offset",
        arguments: [
            // LOGOUT; block at offset 2.
            ([0xA0, 0x04, 0x03, 0x01, 0x05, 0x41] as [UInt8], 3),  // value of 5 in a block of 3
            ([0xA0, 0x02, 0x01, 0x80], 3),  // id varint cut by the block's end
            ([0xA0, 0x03, 0x02, 0x07, 0x80], 3),  // length varint cut by the block's end
            ([0xA0, 0x04, 0x01, 0x07, 0x00, 0x00], 3),  // block of 1: the entry's length lies outside it
            ([0xA0, 0x07, 0x06, 0x09, 0x00, 0x09, 0x03, 0x00, 0x00], 5),  // the second entry: 3 bytes, 2 left
        ])
    func entryPastBlock(bytes: [UInt8], offset: Int) throws {
        let error = try #require(cmpDecodeError(bytes))
        #expect(error.kind == .extensionOverrun)
        #expect(error.offset == offset && error.messageLength == bytes.count)
    }

    @Test(
        "a varint in the extension block over four bytes is fatal, framing intact",
        arguments: [
            ([0xA0, 0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00] as [UInt8], "extensions", 2),
            ([0xA0, 0x07, 0x06, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00], "extension id", 3),
            ([0xA0, 0x08, 0x07, 0x09, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00], "extension length", 4),
        ])
    func varintTooLong(bytes: [UInt8], field: String, offset: Int) throws {
        let error = try #require(cmpDecodeError(bytes))
        #expect(error.kind == .varintTooLong(field) && error.offset == offset && error.messageLength == bytes.count)
    }

    @Test(
        "bytes after the last field of a message without payload are fatal, framing intact",
        arguments: [
            CMPVectors.login, CMPVectors.loginAck, CMPVectors.sendAck, CMPVectors.deliverAck, CMPVectors.ping,
            CMPVectors.pong, CMPVectors.kickShutdown, CMPVectors.logout,
        ])
    func trailingBytes(vector: CMPVector) throws {
        for extra in [1, 3] {
            let bytes = [vector.bytes[0], vector.bytes[1] + UInt8(extra)] + vector.bytes[2...] + Array(repeating: 0, count: extra)
            let error = try #require(cmpDecodeError(bytes))
            #expect(error.kind == .trailingBytes(extra))
            #expect(error.offset == vector.bytes.count && error.messageLength == bytes.count)
        }
        let error = try #require(cmpDecodeError([0x70, 0x01, 0x00]))
        #expect(error.description == "CMP PING: 1 byte after the last field (offset 2 of 3)")
    }

    @Test("bytes after a SEND's or DELIVER's extensions are its payload, not an error")
    func payloadIsNotTrailing() throws {
        #expect(cmpDecodeError(CMPVectors.send.bytes) == nil)
        #expect(cmpDecodeError(CMPVectors.deliver.bytes) == nil)
    }
}
