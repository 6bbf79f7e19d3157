import NIOCore
import Testing
import Wire

@Suite("MQTT decode errors and problems")
struct MQTTDecodeErrorTests {
    @Test("a remaining length with a fifth byte is fatal as soon as the fourth byte is in")
    func remainingLengthTooLong() throws {
        var decoder = MQTTDecoder()
        var buffer = ByteBuffer()
        for byte: UInt8 in [0x30, 0xFF, 0xFF, 0xFF] {
            buffer.writeInteger(byte)
            #expect(try decoder.decode(buffer: &buffer) == nil)
        }
        buffer.writeInteger(UInt8(0xFF))
        #expect(throws: MQTTDecodeError.self) { try decoder.decode(buffer: &buffer) }
        let error = try #require(decodeError([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]))
        #expect(error.kind == .remainingLengthTooLong && error.packetType == .publish && error.packetLength == nil)
        #expect(error.offset == 1 && error.packetOffset == 0)
    }

    @Test(
        "a non-minimal remaining length is fatal",
        arguments: [
            ([0xC0, 0x80, 0x00] as [UInt8], 0, 2),
            ([0x30, 0xFF, 0x00], 127, 2),
            ([0x30, 0x80, 0x80, 0x80, 0x00], 0, 4),
            ([0x30, 0x80, 0x81, 0x00], 128, 3),
        ])
    func nonMinimal(bytes: [UInt8], value: Int, count: Int) throws {
        let error = try #require(decodeError(bytes))
        #expect(error.kind == .nonMinimalRemainingLength(value: value, byteCount: count))
        #expect(!error.isFramingIntact)
    }

    @Test("a packet over the limit throws as soon as its fixed header is read, naming size and limit")
    func overLimit() throws {
        var decoder = MQTTDecoder(maximumPacketSize: 1000)
        var buffer = ByteBuffer(bytes: [0x30, 0xE6, 0x07])  // PUBLISH, remaining length 998: 1001 bytes
        do {
            _ = try decoder.decode(buffer: &buffer)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .packetTooLarge(size: 1001, limit: 1000))
            #expect(error.packetLength == 1001)
            #expect(error.description.contains("1001 bytes, over the limit of 1000 bytes"))
        }
        #expect(buffer.readerIndex == 0)
        // The default limit is 16 MiB: a header claiming 256 MiB is refused with five bytes in hand.
        let huge = try #require(decodeError([0x30, 0xFF, 0xFF, 0xFF, 0x7F]))
        #expect(huge.kind == .packetTooLarge(size: 268_435_460, limit: 16 * 1024 * 1024))
    }

    @Test("a packet exactly at the limit decodes")
    func atLimit() throws {
        var decoder = MQTTDecoder(maximumPacketSize: V311.publishQoS0.count)
        var buffer = ByteBuffer(bytes: V311.publishQoS0)
        #expect(try decoder.decode(buffer: &buffer) != nil)
        #expect(decodeError(V311.publishQoS0, maximumPacketSize: V311.publishQoS0.count - 1) != nil)
    }

    @Test("reserved packet type 0 is fatal on the first byte", arguments: [0x00, 0x0F] as [UInt8])
    func reservedType(first: UInt8) throws {
        let error = try #require(decodeError([first]))
        #expect(error.kind == .reservedPacketType(firstByte: first) && error.packetType == nil)
        #expect(error.description.contains("reserved packet type 0"))
    }

    @Test(
        "invalid fixed-header flags are fatal on the first byte",
        arguments: [
            0x60, 0x80, 0xA0, 0x41, 0x22, 0xC1, 0xD8, 0xE2, 0xF1, 0x63, 0x11,
        ] as [UInt8])
    func badFlags(first: UInt8) throws {
        let error = try #require(decodeError([first]))
        let type = try #require(MQTTPacketType(rawValue: first >> 4))
        #expect(error.kind == .invalidFlags(type, flags: first & 0x0F) && !error.isFramingIntact)
    }

    @Test("PUBLISH with QoS 3 is fatal", arguments: [0x36, 0x37, 0x3E, 0x3F] as [UInt8])
    func publishQoS3(first: UInt8) throws {
        let error = try #require(decodeError([first, 0x03, 0x00, 0x01, 0x74]))
        #expect(error.kind == .invalidFlags(.publish, flags: first & 0x0F))
        #expect(error.description.contains("QoS 3"))
    }

    @Test(
        "a body shorter than its fields is fatal, names the field, and keeps the framing",
        arguments: [
            ([0x32, 0x03, 0x00, 0x01, 0x74] as [UInt8], "packet identifier", 5, MQTTVersion.v3_1_1),
            ([0x30, 0x03, 0x00, 0x05, 0x61], "topic name", 2, .v3_1_1),
            ([0x30, 0x01, 0x00], "topic name", 2, .v3_1_1),
            ([0x40, 0x01, 0x00], "packet identifier", 2, .v3_1_1),
            ([0x20, 0x01, 0x00], "return code", 3, .v3_1_1),
            ([0x82, 0x06, 0x00, 0x01, 0x00, 0x02, 0x61, 0x62], "subscription options", 8, .v3_1_1),
            ([0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x05, 0x61], "client identifier", 12, .v3_1_1),
            ([0x10, 0x05, 0x00, 0x04, 0x4D, 0x51, 0x54], "protocol name", 2, .v3_1_1),
            ([0x40, 0x04, 0x00, 0x01, 0x00, 0x05], "properties (5 bytes declared, 0 left)", 5, .v5),
            ([0x30, 0x05, 0x00, 0x01, 0x74, 0x01, 0x23], "Topic Alias", 7, .v5),
        ])
    func truncated(bytes: [UInt8], field: String, offset: Int, version: MQTTVersion) throws {
        let error = try #require(decodeError(bytes, version: version))
        #expect(error.kind == .truncated(field: field))
        #expect(error.offset == offset)
        #expect(error.packetLength == bytes.count)
        #expect(error.description.contains(field))
    }

    @Test("an unknown property id is fatal: its value's length is unknown")
    func unknownProperty() throws {
        let bytes: [UInt8] = [
            0x30, 0x07,  // PUBLISH QoS 0
            0x00, 0x01, 0x74,  // topic "t"
            0x02,  // property length 2
            0x05, 0x00,  // property 0x05: not defined
            0x78,  // payload
        ]
        let error = try #require(decodeError(bytes, version: .v5))
        #expect(error.kind == .unknownProperty(id: 0x05) && error.offset == 6 && error.isFramingIntact)
        #expect(error.description.contains("unknown property identifier 0x05"))
    }

    @Test("a property length longer than four bytes is fatal")
    func propertyLengthTooLong() throws {
        let bytes: [UInt8] = [
            0x30, 0x08,  // PUBLISH
            0x00, 0x01, 0x74,  // topic "t"
            0xFF, 0xFF, 0xFF, 0xFF, 0x01,  // property length with a fifth byte
        ]
        #expect(decodeError(bytes, version: .v5)?.kind == .malformedVariableByteInteger(field: "property length"))
    }

    @Test("invalid UTF-8 and U+0000 are problems, and the bytes are kept")
    func invalidUTF8() throws {
        let topic: [UInt8] = [
            0x30, 0x06,  // PUBLISH
            0x00, 0x02, 0xC3, 0x28,  // topic: C3 starts a two-byte sequence, 28 cannot continue it
            0x68, 0x69,  // payload
        ]
        let packet = try decodeEveryWay(topic, version: .v3_1_1)
        #expect(packet.problems == ["invalid UTF-8 in topic name"])
        guard case .publish(let publish) = packet.body else {
            Issue.record("not PUBLISH")
            return
        }
        #expect(publish.topic.bytes == [0xC3, 0x28] && !publish.topic.isValidUTF8)
        #expect(publish.topic.text == "\u{FFFD}(")

        var connect = V311.connectMinimal
        connect[1] = 0x0D
        connect[13] = 0x01
        connect.append(0xFF)  // client identifier: one byte FF, never valid UTF-8
        #expect(try decodeOne(connect).problems == ["invalid UTF-8 in client identifier"])

        let null: [UInt8] = [0x30, 0x05, 0x00, 0x03, 0x61, 0x00, 0x62]  // topic "a\0b"
        #expect(try decodeOne(null).problems == ["U+0000 in topic name"])
    }

    @Test(
        "rule violations in a well-framed packet are problems",
        arguments: [
            ([0xC0, 0x01, 0x00] as [UInt8], MQTTVersion.v3_1_1, "1 unexpected byte after the fixed header"),
            ([0x40, 0x03, 0x00, 0x01, 0x00], .v3_1_1, "1 unexpected byte after the packet identifier"),
            ([0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x00], .v3_1_1, "packet identifier 0 is not allowed"),
            ([0x38, 0x04, 0x00, 0x01, 0x74, 0x78], .v3_1_1, "DUP set on a QoS 0 message"),
            ([0x30, 0x04, 0x00, 0x02, 0x61, 0x23], .v3_1_1, "wildcard in the topic name"),
            ([0x30, 0x02, 0x00, 0x00], .v3_1_1, "empty topic name"),
            ([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03], .v3_1_1, "QoS 3 requested for \"a\""),
            ([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x04], .v3_1_1, "reserved bits set in the options of \"a\""),
            ([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x30], .v5, "reserved Retain Handling 3 for \"a\""),
            ([0x82, 0x02, 0x00, 0x01], .v3_1_1, "SUBSCRIBE without any topic filter"),
            ([0xA2, 0x02, 0x00, 0x01], .v3_1_1, "UNSUBSCRIBE without any topic filter"),
            ([0x90, 0x02, 0x00, 0x01], .v3_1_1, "SUBACK without any reason code"),
            ([0x90, 0x03, 0x00, 0x01, 0x03], .v3_1_1, "reason code 0x03 is not defined for SUBACK in MQTT 3.1.1"),
            ([0x20, 0x02, 0x00, 0x06], .v3_1_1, "CONNACK code 0x06 is not defined in MQTT 3.1.1"),
            ([0x20, 0x02, 0x01, 0x05], .v3_1_1, "session present set on a refused connection"),
            ([0x20, 0x02, 0x02, 0x00], .v3_1_1, "reserved acknowledge flags 0x02 are set"),
            ([0x40, 0x03, 0x00, 0x01, 0x92], .v5, "reason code 0x92 is not defined for PUBACK"),
            ([0xE0, 0x01, 0x18], .v5, "reason code 0x18 is not defined for DISCONNECT"),
            ([0xF0, 0x01, 0x87], .v5, "reason code 0x87 is not defined for AUTH"),
        ])
    func problems(bytes: [UInt8], version: MQTTVersion, problem: String) throws {
        let packet = try decodeEveryWay(bytes, version: version)
        #expect(packet.problems == [problem])
    }

    @Test("CONNECT rule violations are problems")
    func connectProblems() throws {
        var reserved = V311.connectMinimal
        reserved[9] = 0x03  // clean session and the reserved bit
        #expect(try decodeOne(reserved).problems == ["reserved bit 0 of the connect flags is set"])

        var willQoSWithoutWill = V311.connectMinimal
        willQoSWithoutWill[9] = 0x0A  // clean session, will QoS 1, no will flag
        #expect(try decodeOne(willQoSWithoutWill).problems == ["will QoS or will retain set without the will flag"])

        var passwordOnly = V311.connectMinimal
        passwordOnly[1] = 0x0E
        passwordOnly[9] = 0x42  // password, clean session
        passwordOnly += [0x00, 0x00]  // password ""
        #expect(try decodeOne(passwordOnly).problems == ["password flag set without the user name flag"])

        var noCleanSession = V311.connectMinimal
        noCleanSession[9] = 0x00
        #expect(try decodeOne(noCleanSession).problems == ["empty client identifier without clean session"])

        var unknownLevel = V311.connectMinimal
        unknownLevel[8] = 0x02
        var decoder = MQTTDecoder()
        let packet = try #require(try decodeAll(unknownLevel, decoder: &decoder).first)
        #expect(packet.problems == ["protocol name \"MQTT\" with level 2 is not an MQTT version; read as 3.1.1"])
        #expect(decoder.version == nil)
    }

    @Test("problems are capped per packet")
    func problemCap() throws {
        // SUBSCRIBE with 100 filters "a" each asking for QoS 3.
        var body: [UInt8] = [0x00, 0x01]  // packet identifier 1
        for _ in 0..<100 { body += [0x00, 0x01, 0x61, 0x03] }
        let bytes: [UInt8] = [0x82, 0x92, 0x03] + body  // remaining length 402
        let packet = try decodeOne(bytes)
        // At most 32 entries, as for CMP (one `Problems` type): 31 listed, the last counts the rest.
        #expect(packet.problems.count == 32)
        #expect(packet.problems.last == "69 more problems not listed")
    }
}
