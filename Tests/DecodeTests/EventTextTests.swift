import Capture
import Decode
import NIOCore
import Testing
import Wire

@Suite("Text lines")
struct EventTextTests {
    /// One conversation through every part of a message line: a client id wider in bytes than in
    /// characters, each kind of payload preview, flags, an alias, latencies on both sides of a
    /// millisecond, a problem, and a type whose fields are empty.
    static func conversation() -> [DecodeEvent] {
        var conversation = ConversationBuilder(version: .v5)
        conversation.send(.connect(.init(version: .v5, clientID: "capteur-é", keepAlive: 30)), fromClient: true)
        conversation.send(.connAck(.init()), fromClient: false)
        conversation.send(.publish(.init(topic: "a/b", payload: .text("hello"), qos: .atLeastOnce, packetID: 7, retain: true)), fromClient: true)
        conversation.wait(milliseconds: 3)
        conversation.send(.pubAck(.init(packetID: 7)), fromClient: false)
        let long = String(repeating: "line one\nline two ", count: 4)
        conversation.send(.publish(.init(topic: "a/b", payload: .text(long), dup: true)), fromClient: true)
        conversation.send(
            .publish(.init(topic: "", payload: ByteBuffer(bytes: [0xFF, 0x00, 0x10]), properties: [MQTTProperty(.topicAlias, .twoByteInteger(4))])),
            fromClient: false)
        let binary = (0..<60).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 128) }
        conversation.send(.publish(.init(topic: "bin", payload: ByteBuffer(bytes: binary), qos: .exactlyOnce, packetID: 9)), fromClient: true)
        conversation.send(.pubRec(.init(packetID: 9)), fromClient: false)
        conversation.send(.pubRel(.init(packetID: 9)), fromClient: true)
        conversation.send(.pubComp(.init(packetID: 9)), fromClient: false)
        conversation.send(.pingRequest, fromClient: true)
        conversation.finish()
        return decode(conversation.packets)
    }

    @Test("message lines: columns by characters, previews (text, cut, line breaks, hex), flags, latencies, problems")
    func messageLines() {
        var text = EventText()
        let lines = Self.conversation().map { text.line($0) }
        let hex = (0..<24).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 128) }.map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }.joined()
        let expected = [
            "   0.000000 capteur-é                -> CONNECT     clientId=capteur-é v=5.0 keepAlive=30 clean",
            "   0.001000 capteur-é                <- CONNACK     Success",
            "   0.002000 capteur-é                -> PUBLISH     topic=a/b q1 id=7 retain len=5 \"hello\"",
            "   0.006000 capteur-é                <- PUBACK      id=7  (4.0 ms after request)",
            "   0.007000 capteur-é                -> PUBLISH     topic=a/b q0 dup len=72 \"line one line two line one line two line one lin…\""
                + "  !! DUP set on a QoS 0 message",
            "   0.008000 capteur-é                <- PUBLISH     topic= q0 alias=4 len=3 0xff0010 props=Topic Alias=4"
                + "  !! topic alias 4 was never set on this connection",
            "   0.009000 capteur-é                -> PUBLISH     topic=bin q2 id=9 len=60 0x\(hex)…",
            "   0.010000 capteur-é                <- PUBREC      id=9",
            "   0.011000 capteur-é                -> PUBREL      id=9",
            "   0.012000 capteur-é                <- PUBCOMP     id=9  (3.0 ms after request)",
            "   0.013000 capteur-é                -> PINGREQ",
        ]
        #expect(Array(lines.prefix(expected.count)) == expected)
    }

    @Test("the lines a decode writes are the lines of `line(_:)`, each with its newline")
    func writerMatchesLine() {
        let events = Self.conversation()
        var text = EventText()
        let writer = EventLineWriter(format: .text)
        var lines = JSONLineBuilder(capacity: 16)
        for event in events { writer.write(event, into: &lines) }
        #expect(String(decoding: lines.bytes, as: UTF8.self) == events.map { text.line($0) + "\n" }.joined())
    }

    @Test("CMP lines: SEND, DELIVER and their acks written piece by piece, ids beyond Int64 unsigned, the lines of the writer")
    func cmpLines() {
        var conversation = ConversationBuilder.cmp(serverPort: 7000, segmentSize: 1400)
        conversation.send(cmp: .login(CMPLogin(keepAlive: 60, user: "ana", device: "tab", token: "secret")))
        conversation.send(cmp: .send(CMPSend(messageID: UInt32.max, recipient: "room-7", toRoom: true, payload: ByteBuffer(string: "hello"))))
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: UInt32.max, result: .success, serverMessageID: UInt64.max)))
        conversation.send(
            cmp: .deliver(
                CMPDeliver(
                    serverMessageID: UInt64.max - 1, senderUser: "bo", senderDevice: "pc", serverTime: 1, room: "room-7",
                    payload: ByteBuffer(bytes: [0xFF, 0x00, 0x81]))))
        conversation.send(cmp: .deliverAck(CMPDeliverAck(serverMessageID: UInt64.max - 1)))
        conversation.finish()
        let events = decode(conversation.packets)
        var text = EventText()
        let lines = events.map { text.line($0) }
        #expect(
            Array(lines.prefix(5).map { String($0.dropFirst(12)) }) == [
                "ana/tab                  -> LOGIN       user=ana device=tab v=1 keepAlive=60 token=(6 bytes)",
                "ana/tab                  -> SEND        id=4294967295 -> room-7 (room) len=5 \"hello\"",
                "ana/tab                  <- SEND_ACK    id=4294967295 success serverId=18446744073709551615  (1.0 ms after request)",
                "ana/tab                  <- DELIVER     serverId=18446744073709551614 from bo/pc in room room-7 len=3 0xff0081",
                "ana/tab                  -> DELIVER_ACK serverId=18446744073709551614  (1.0 ms after request)",
            ])
        let writer = EventLineWriter(format: .text)
        var written = JSONLineBuilder(capacity: 16)
        for event in events { writer.write(event, into: &written) }
        var again = EventText()
        #expect(String(decoding: written.bytes, as: UTF8.self) == events.map { again.line($0) + "\n" }.joined())
    }

    @Test("latencies: microseconds under a millisecond, tenths above, the sign kept")
    func millis() {
        let text = EventText()
        #expect(text.millis(0.000_023) == "0.023 ms")
        #expect(text.millis(0.000_999_6) == "1.0 ms")
        #expect(text.millis(0.012_54) == "12.5 ms")
        #expect(text.millis(-0.000_5) == "-0.500 ms")
        #expect(text.millis(-2.5) == "-2500.0 ms")
    }
}
