import NIOCore
import Testing
import Wire

@Suite("CMP round trips: encode, decode every way, encode again")
struct CMPRoundTripTests {
    /// No extension, each one alone, unknown ones (one-byte and multi-byte ids, empty and long
    /// values, on both sides of the known ids), and all together.
    static let extensionVariants: [CMPExtensions] = [
        .empty,
        CMPExtensions(reasonString: "the server is draining"),
        CMPExtensions(reasonString: ""),
        CMPExtensions(reasonString: "Grüße, 世界 🎉"),
        CMPExtensions(reconnectDelay: 5000),
        CMPExtensions(reconnectDelay: .max),
        CMPExtensions(clientTime: 1_795_000_000_000_123),
        CMPExtensions(clientTime: 0),
        CMPExtensions(contentType: "application/json"),
        CMPExtensions(unknown: [CMPUnknownExtension(id: 5, value: [1])]),
        CMPExtensions(unknown: [
            CMPUnknownExtension(id: 0, value: []), CMPUnknownExtension(id: 127, value: [0xAB]),
            CMPUnknownExtension(id: 128, value: Array(repeating: 0x5A, count: 200)),
            CMPUnknownExtension(id: 268_435_455, value: [1, 2, 3]),
        ]),
        CMPExtensions(
            reasonString: "bye", reconnectDelay: 30_000, clientTime: 42, contentType: "text/plain",
            unknown: [CMPUnknownExtension(id: 6, value: [9, 9]), CMPUnknownExtension(id: 1000, value: [])]),
    ]

    static let payloads: [ByteBuffer] = [ByteBuffer(), ByteBuffer(string: "hi"), ByteBuffer(bytes: (0..<300).map { UInt8($0 & 0xFF) })]

    /// Every message type with every extension variant; SEND and DELIVER also with and without
    /// a room and with each payload.
    static var messages: [CMPMessage] {
        var messages: [CMPMessage] = [.ping, .pong]
        for extensions in extensionVariants {
            messages.append(.login(CMPLogin(keepAlive: 60, user: "alice", device: "phone", token: "t", extensions: extensions)))
            messages.append(
                .login(
                    CMPLogin(protocolName: "CMP", version: 1, keepAlive: 0, user: "", device: "", token: "", extensions: extensions)))
            messages.append(
                .loginAck(
                    CMPLoginAck(result: .badToken, sessionID: 0, serverTime: .max, keepAlive: 90, extensions: extensions)))
            messages.append(.sendAck(CMPSendAck(messageID: .max, result: .storedOffline, serverMessageID: 77, extensions: extensions)))
            messages.append(.deliverAck(CMPDeliverAck(serverMessageID: 9001, extensions: extensions)))
            messages.append(.kick(CMPKick(reason: .serverShutdown, extensions: extensions)))
            messages.append(.kick(CMPKick(reason: CMPResultCode(rawValue: 0xC0), extensions: extensions)))
            messages.append(.logout(CMPLogout(extensions: extensions)))
            for payload in payloads {
                for toRoom in [false, true] {
                    messages.append(
                        .send(
                            CMPSend(
                                messageID: 3, recipient: toRoom ? "room-1" : "bob", toRoom: toRoom, extensions: extensions,
                                payload: payload)))
                    messages.append(
                        .deliver(
                            CMPDeliver(
                                serverMessageID: 5, senderUser: "alice", senderDevice: "phone", serverTime: 1,
                                room: toRoom ? "room-1" : nil, extensions: extensions, payload: payload)))
                }
            }
        }
        return messages
    }

    @Test("every message type with and without every extension survives encode and decode")
    func roundTrips() throws {
        let messages = CMPRoundTripTests.messages
        #expect(Set(messages.map(\.type)) == Set(CMPMessageType.allCases))
        for message in messages {
            let bytes = try cmpEncode(message)
            let frame = try cmpDecodeEveryWay(bytes)
            #expect(frame.message == message, "\(message.type.name)")
            #expect(frame.problems.isEmpty, "\(frame.problems)")
            #expect(try cmpEncode(frame.message) == bytes, "the decoded message encodes to the same bytes")
        }
    }

    @Test("a 64 KiB payload: three-byte remaining length, payload intact, fed whole, byte by byte and split")
    func largePayload() throws {
        var random = SeededGenerator(seed: 64)
        let payload = ByteBuffer(bytes: random.bytes(64 * 1024))
        for message in [
            CMPMessage.send(CMPSend(messageID: 1, recipient: "bob", extensions: CMPExtensions(clientTime: 7), payload: payload)),
            .deliver(
                CMPDeliver(
                    serverMessageID: 2, senderUser: "alice", senderDevice: "phone", serverTime: 3, room: "r",
                    payload: payload)),
        ] {
            let bytes = try cmpEncode(message)
            #expect(bytes[1] & 0x80 != 0 && bytes[2] & 0x80 != 0 && bytes[3] & 0x80 == 0, "three length bytes")
            // Whole and byte by byte; splits at a sample of offsets (every one would copy 4 GB).
            var decoder = CMPDecoder()
            var whole = ByteBuffer(bytes: bytes)
            let frame = try #require(try decoder.decode(buffer: &whole))
            #expect(frame.message == message && frame.wireLength == bytes.count && whole.readableBytes == 0)
            var growing = ByteBuffer()
            var frames: [CMPFrame] = []
            for byte in bytes {
                growing.writeInteger(byte)
                if let frame = try decoder.decode(buffer: &growing) { frames.append(frame) }
            }
            #expect(frames == [frame])
            for cut in [1, 2, 3, 4, 5, 17, 1000, bytes.count / 2, bytes.count - 2, bytes.count - 1] {
                var buffer = ByteBuffer(bytes: bytes[..<cut])
                #expect(try decoder.decode(buffer: &buffer) == nil && buffer.readerIndex == 0)
                #expect(decoder.awaitedMessageLength(in: buffer) == (cut >= 4 ? bytes.count : nil))
                buffer.writeBytes(bytes[cut...])
                #expect(try decoder.decode(buffer: &buffer) == frame, "split at \(cut)")
            }
        }
    }

    @Test("remaining lengths at the varint boundaries", arguments: [0, 1, 116, 117, 118, 16_372, 16_373, 16_374])
    func lengthBoundaries(payloadLength: Int) throws {
        // SEND to "bob" with no extensions has 10 body bytes before the payload.
        let message = CMPMessage.send(
            CMPSend(messageID: 1, recipient: "bob", payload: ByteBuffer(repeating: 0x41, count: payloadLength)))
        let bytes = try cmpEncode(message)
        let remaining = 10 + payloadLength
        let lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : 3
        #expect(bytes.count == 1 + lengthBytes + remaining)
        #expect(try cmpDecodeOne(bytes).message == message)
    }

    @Test("unknown extensions are written in id order among the known ones; equal ids keep their order")
    func unknownOrder() throws {
        let extensions = CMPExtensions(
            reasonString: "r", clientTime: 1,
            unknown: [
                CMPUnknownExtension(id: 9, value: [1]), CMPUnknownExtension(id: 0, value: [2]),
                CMPUnknownExtension(id: 9, value: [3]), CMPUnknownExtension(id: 2, value: [4, 4, 4, 4]),
            ])
        let bytes = try cmpEncode(.logout(CMPLogout(extensions: extensions)))
        #expect(
            bytes == [
                0xA0, 0x1D, 0x1C,
                0x00, 0x01, 0x02,  // unknown 0
                0x01, 0x01, 0x72,  // reason-string "r"
                0x02, 0x04, 0x04, 0x04, 0x04, 0x04,  // "unknown" 2: written as given, after nothing known at 2
                0x03, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x01,  // client-time 1
                0x09, 0x01, 0x01,  // unknown 9, first
                0x09, 0x01, 0x03,  // unknown 9, second
            ])
    }

    @Test("a payload with a reader index past 0 encodes its readable bytes only")
    func payloadReaderIndex() throws {
        var payload = ByteBuffer(string: "xxhi")
        payload.moveReaderIndex(forwardBy: 2)
        let bytes = try cmpEncode(.send(CMPSend(messageID: 1, recipient: "bob", payload: payload)))
        #expect(bytes == CMPVectors.send.bytes)
    }

    @Test("encode(_:) returns a buffer of exactly the encoded length")
    func encodeToNewBuffer() throws {
        for message in CMPVectors.all.map(\.message) {
            let buffer = try CMPEncoder.encode(message)
            #expect(buffer.readableBytes == (try CMPEncoder.encodedLength(message)))
        }
    }
}
