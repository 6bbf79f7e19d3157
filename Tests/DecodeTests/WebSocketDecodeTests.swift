import Capture
import CaptureTestSupport
import Decode
import NIOCore
import Testing
import Wire

/// RFC 6455 frames built by hand (independently of the NIO decoder under test): client frames
/// masked, server frames not.
private func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = masked ? 0x80 : 0
    if payload.count < 126 {
        bytes.append(maskBit | UInt8(payload.count))
    } else if payload.count <= 0xFFFF {
        bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    } else {
        bytes.append(maskBit | 127)
        bytes += (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> (8 * $0)) }
    }
    guard masked else { return bytes + payload }
    let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
}

private func upgradeRequest(_ protocols: String?) -> [UInt8] {
    Array(
        ("GET /mqtt HTTP/1.1\r\nHost: broker\r\nupgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + (protocols.map { "Sec-WebSocket-Protocol: \($0)\r\n" } ?? "") + "Sec-WebSocket-Version: 13\r\n\r\n").utf8)
}

private func upgradeResponse(status: String = "101 Switching Protocols", _ chosen: String?) -> [UInt8] {
    Array(
        ("HTTP/1.1 \(status)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            + (chosen.map { "Sec-WebSocket-Protocol: \($0)\r\n" } ?? "") + "\r\n").utf8)
}

private func mqttBytes(_ body: MQTTPacket.Body, _ version: MQTTVersion) -> [UInt8] {
    let buffer = try! MQTTEncoder(version: version).encode(body)
    return Array(buffer.readableBytesView)
}

@Suite("WebSocket decode")
struct WebSocketDecodeTests {
    /// The MQTT session of DecodePipelineTests, inside WebSocket on port 8080: the client's
    /// messages each split over a binary frame and a continuation, a ping between them, the
    /// server's answers two to a frame, and a CLOSE each way.
    /// Also returns the message types in the order they are on the wire.
    static func mqttOverWebSocket(protocols: String? = "mqtt", chosen: String? = "mqtt", segmentSize: Int = 1400) -> (ConversationBuilder, [String]) {
        var wireOrder: [String] = []
        var pendingTypes: [String] = []
        var conversation = ConversationBuilder(version: .v5, serverPort: 8080, segmentSize: segmentSize)
        conversation.sendRaw(upgradeRequest(protocols), fromClient: true)
        conversation.sendRaw(upgradeResponse(chosen), fromClient: false)
        var pendingServer: [UInt8] = []
        var serverMessages = 0
        for step in DecodePipelineTests.sessionBodies(.v5) {
            let bytes = mqttBytes(step.body, .v5)
            if step.fromClient {
                wireOrder.append(step.body.type.name)
                let half = bytes.count / 2
                conversation.sendRaw(frame(0x2, Array(bytes[..<half]), fin: false, masked: true), fromClient: true)
                conversation.sendRaw(frame(0x9, Array("are you there".utf8), masked: true), fromClient: true)
                conversation.sendRaw(frame(0x0, Array(bytes[half...]), masked: true), fromClient: true)
            } else {
                pendingServer += bytes
                pendingTypes.append(step.body.type.name)
                serverMessages += 1
                if serverMessages % 2 == 0 {
                    conversation.sendRaw(frame(0x2, pendingServer, masked: false), fromClient: false)
                    wireOrder += pendingTypes
                    pendingServer = []
                    pendingTypes = []
                }
            }
        }
        if !pendingServer.isEmpty {
            conversation.sendRaw(frame(0x2, pendingServer, masked: false), fromClient: false)
            wireOrder += pendingTypes
        }
        conversation.sendRaw(frame(0x8, [0x03, 0xE9] + Array("bye".utf8), masked: true), fromClient: true)
        conversation.sendRaw(frame(0x8, [0x03, 0xE8], masked: false), fromClient: false)
        conversation.finish()
        return (conversation, wireOrder)
    }

    @Test("MQTT inside WebSocket frames decodes to the same messages as on TCP, marked as over WebSocket, with the CLOSEs", arguments: [1400, 7])
    func mqttSession(segmentSize: Int) throws {
        let (conversation, wireOrder) = Self.mqttOverWebSocket(segmentSize: segmentSize)
        let (events, statistics) = decodeWithStatistics(conversation.packets)
        #expect(events.types == wireOrder)
        #expect(events.types.sorted() == DecodePipelineTests.sessionTypes.sorted())
        #expect(events.messages.allSatisfy { $0.connection.overWebSocket && $0.clientID == "sensor-7" && $0.packet.problems.isEmpty })
        let closes = events.compactMap { event -> (TCPDirection, UInt16?, String)? in
            if case .webSocketClose(_, let direction, _, let code, let reason, .mqtt) = event { return (direction, code, reason) }
            return nil
        }
        #expect(closes.map(\.0) == [.clientToServer, .serverToClient])
        #expect(closes.map(\.1) == [1001, 1000] && closes.map(\.2) == ["bye", ""])
        #expect(statistics.webSocketConnections == 1 && statistics.mqttConnections == 1)
        #expect(statistics.webSocketCloses == ["1001": 1, "1000": 1])
        #expect(!events.contains { if case .streamError = $0 { return true } else { return false } })

        var json = JSONLineBuilder()
        for event in events { EventJSON.write(event, into: &json) }
        let lines = String(decoding: json.bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains(#""proto":"mqtt","transport":"websocket""#) })
        #expect(lines.last?.contains(#""type":"WS_CLOSE""#) == true && lines.last?.contains(#""codeName":"normalClosure""#) == true)
        var text = EventText()
        let textLines = events.map { text.line($0) }
        #expect(textLines.last { $0.contains("WS_CLOSE") }?.contains("1000 normalClosure") == true)
        #expect(textLines.first?.contains("CONNECT") == true && textLines.first?.contains("over-websocket") == true)
    }

    @Test("without a subprotocol the client's first data decides: CMP from a LOGIN")
    func cmpByContent() throws {
        var conversation = ConversationBuilder(version: .v5, serverPort: 9443)
        conversation.sendRaw(upgradeRequest(nil), fromClient: true)
        conversation.sendRaw(upgradeResponse(nil), fromClient: false)
        let login = ConversationBuilder.bytes(.login(CMPLogin(keepAlive: 30, user: "alice", device: "web", token: CMPDecodeTests.token)))
        let ack = ConversationBuilder.bytes(.loginAck(CMPLoginAck(result: .success, sessionID: 5, serverTime: 1, keepAlive: 30)))
        conversation.sendRaw(frame(0x2, login, masked: true), fromClient: true)
        conversation.sendRaw(frame(0x2, ack, masked: false), fromClient: false)
        conversation.finish()
        let (events, statistics) = decodeWithStatistics(conversation.packets)
        let types = events.map(\.typeName)
        #expect(types == ["LOGIN", "LOGIN_ACK"], "\(types)")
        #expect(statistics.cmp.connections == 1 && statistics.webSocketConnections == 1)
    }

    @Test("a refused upgrade, a plain HTTP request and data that is neither protocol are reported or ignored, never misread")
    func notDecoded() throws {
        var refused = ConversationBuilder(version: .v5, serverPort: 8080)
        refused.sendRaw(upgradeRequest("mqtt"), fromClient: true)
        refused.sendRaw(upgradeResponse(status: "404 Not Found", nil), fromClient: false)
        refused.sendRaw(Array("<html>nothing here</html>".utf8), fromClient: false)
        refused.finish()
        let refusedEvents = decode(refused.packets)
        guard case .streamError(_, _, _, let message, _, _)? = refusedEvents.first, refusedEvents.count == 1 else {
            throw TestFailure("\(refusedEvents.map(\.typeName))")
        }
        #expect(message.contains("refused the WebSocket upgrade (HTTP 404)"))

        var plain = ConversationBuilder(version: .v5, serverPort: 8080)
        plain.sendRaw(Array("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".utf8), fromClient: true)
        plain.sendRaw(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".utf8), fromClient: false)
        plain.finish()
        let (plainEvents, plainStatistics) = decodeWithStatistics(plain.packets)
        #expect(plainEvents.isEmpty && plainStatistics.webSocketConnections == 0)

        var neither = ConversationBuilder(version: .v5, serverPort: 8080)
        neither.sendRaw(upgradeRequest("chat"), fromClient: true)
        neither.sendRaw(upgradeResponse("chat"), fromClient: false)
        neither.sendRaw(frame(0x1, Array("hello, is this chat?".utf8), masked: true), fromClient: true)
        neither.finish()
        let neitherEvents = decode(neither.packets)
        #expect(neitherEvents.count == 1 && neitherEvents.first?.typeName == "DECODE_ERROR")
        if case .streamError(_, _, _, let message, _, _)? = neitherEvents.first {
            #expect(message.contains("neither MQTT nor CMP"), "\(message)")
        }
    }

    @Test("a broken frame or a gap ends that direction only, with a DECODE_ERROR; the messages before are kept")
    func brokenAndGap() throws {
        // A ping longer than 125 bytes is a protocol error (RFC 6455 5.5) that NIO's decoder refuses.
        var broken = ConversationBuilder(version: .v5, serverPort: 8080)
        broken.sendRaw(upgradeRequest("mqtt"), fromClient: true)
        broken.sendRaw(upgradeResponse("mqtt"), fromClient: false)
        broken.sendRaw(frame(0x2, mqttBytes(.connect(.init(version: .v5, clientID: "c1", keepAlive: 10)), .v5), masked: true), fromClient: true)
        broken.sendRaw(frame(0x9, Array(repeating: 0x41, count: 200), masked: true), fromClient: true)
        broken.sendRaw(frame(0x2, mqttBytes(.pingRequest, .v5), masked: true), fromClient: true)
        broken.sendRaw(frame(0x2, mqttBytes(.connAck(.init()), .v5), masked: false), fromClient: false)
        broken.finish()
        let events = decode(broken.packets)
        #expect(events.map(\.typeName) == ["CONNECT", "DECODE_ERROR", "CONNACK"], "\(events.map(\.typeName))")

        // A message compressed with permessage-deflate (RSV1): reported, not misread as MQTT.
        var compressed = ConversationBuilder(version: .v5, serverPort: 8080)
        compressed.sendRaw(upgradeRequest("mqtt"), fromClient: true)
        compressed.sendRaw(upgradeResponse("mqtt"), fromClient: false)
        compressed.sendRaw(frame(0x2, mqttBytes(.connect(.init(version: .v5, clientID: "c2", keepAlive: 10)), .v5), masked: true), fromClient: true)
        var deflated = frame(0x2, [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00], masked: true)
        deflated[0] |= 0x40
        compressed.sendRaw(deflated, fromClient: true)
        compressed.finish()
        let compressedEvents = decode(compressed.packets)
        #expect(compressedEvents.map(\.typeName) == ["CONNECT", "DECODE_ERROR"])
        if case .streamError(_, _, _, let message, _, _)? = compressedEvents.last {
            #expect(message.contains("permessage-deflate"))
        }

        // A text frame without RSV1 is not compressed: its MQTT decodes (MQTT asks for binary
        // frames, but a decoder reads what was sent).
        var text = ConversationBuilder(version: .v5, serverPort: 8080)
        text.sendRaw(upgradeRequest("mqtt"), fromClient: true)
        text.sendRaw(upgradeResponse("mqtt"), fromClient: false)
        text.sendRaw(frame(0x1, mqttBytes(.connect(.init(version: .v5, clientID: "c3", keepAlive: 10)), .v5), masked: true), fromClient: true)
        text.sendRaw(frame(0x1, mqttBytes(.pingRequest, .v5), masked: true), fromClient: true)
        text.finish()
        #expect(decode(text.packets).map(\.typeName) == ["CONNECT", "PINGREQ", "UNANSWERED"])

        // A client segment in the middle never captured.
        var packets = Self.mqttOverWebSocket().0.packets
        let lostIndex = try #require(packets.indices.filter { packets[$0].data.count > 100 }.dropFirst(4).first)
        packets.remove(at: lostIndex)
        let withGap = decode(packets)
        #expect(withGap.contains { $0.typeName == "GAP" })
        #expect(
            withGap.contains {
                if case .streamError(_, _, _, let message, _, _) = $0 { return message.contains("frame boundaries were lost") } else { return false }
            })
        #expect(withGap.contains { $0.typeName == "PUBCOMP" }, "the server's direction goes on")
    }

    @Test("the handshake parser: case-insensitive fields, lists of subprotocols, interim answers")
    func handshake() throws {
        var conversation = ConversationBuilder(version: .v3_1_1, serverPort: 8080)
        conversation.sendRaw(upgradeRequest("wamp, MQTT"), fromClient: true)
        conversation.sendRaw(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8) + upgradeResponse("mqtt"), fromClient: false)
        conversation.sendRaw(frame(0x2, mqttBytes(.connect(.init(version: .v3_1_1, clientID: "w", keepAlive: 10)), .v3_1_1), masked: true), fromClient: true)
        conversation.sendRaw(frame(0x2, mqttBytes(.connAck(.init()), .v3_1_1), masked: false), fromClient: false)
        conversation.finish()
        #expect(decode(conversation.packets).types == ["CONNECT", "CONNACK"])
    }

    @Test("recorded captures: mosquitto + paho over WebSocket, and the CM's ws:// listener under cm load (Fixtures/websocket)")
    func recordedCaptures() throws {
        func decodeFile(_ name: String) throws -> (events: [DecodeEvent], statistics: DecodeStatistics) {
            let reader = try PcapFileReader(path: PcapFixtures.directory + "/websocket/" + name)
            defer { reader.close() }
            var packets: [CapturedPacket] = []
            while let packet = try reader.next() { packets.append(packet) }
            return decodeWithStatistics(packets)
        }
        let mqtt = try decodeFile("mqtt-ws.pcap")
        let published = mqtt.events.messages.filter { $0.packet.type == .publish && $0.clientID == "ws-pub" }
        #expect(Set(published.compactMap { $0.topic?.text }) == ["ws/q0", "ws/q1", "ws/q2", "ws/big"])
        #expect(mqtt.events.messages.allSatisfy { $0.connection.overWebSocket })
        #expect(mqtt.statistics.webSocketConnections == 2 && mqtt.statistics.mqttConnections == 2 && mqtt.statistics.streamErrors == 0)

        let cmp = try decodeFile("cmp-ws.pcap")
        #expect(cmp.statistics.cmp.connections == 3 && cmp.statistics.webSocketConnections == 3)
        #expect(cmp.statistics.cmp.messagesByType["SEND"] == 22 && cmp.statistics.cmp.messagesByType["DELIVER_ACK"] == 22)
        #expect(cmp.statistics.webSocketCloses == ["1001": 3, "1000": 3])
    }
}
