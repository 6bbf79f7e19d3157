import Capture
import CaptureTestSupport
import Decode
import Foundation
import NIOCore
import Testing
import Wire

@Suite("CMP decode")
struct CMPDecodeTests {
    static let token = "v1.1795000000.*.Q2xhaW1zIHRoYXQgbmV2ZXIgYXBwZWFyIGluIG91dHB1dA"

    /// Milliseconds from a request to its answer: `sendRaw` moves the clock 1 ms after each
    /// message, and the session below waits these many more before the answer.
    static let waits = (login: 2, send: 5, deliver: 3, ping: 1)

    /// A full session: login, two sends answered out of order, a delivery and its ack, a
    /// ping, and the server's kick.
    static func session(segmentSize: Int = 1400, serverPort: Int = 7000) -> ConversationBuilder {
        var conversation = ConversationBuilder.cmp(serverPort: serverPort, segmentSize: segmentSize)
        conversation.send(cmp: .login(CMPLogin(keepAlive: 60, user: "alice", device: "phone", token: token)))
        conversation.wait(milliseconds: waits.login)
        conversation.send(cmp: .loginAck(CMPLoginAck(result: .success, sessionID: 17, serverTime: 1_795_000_000_123, keepAlive: 60)))
        conversation.send(cmp: .send(CMPSend(messageID: 1, recipient: "bob", payload: ByteBuffer(string: "hi"))))
        conversation.send(
            cmp: .send(
                CMPSend(
                    messageID: 2, recipient: "general", toRoom: true, extensions: CMPExtensions(contentType: "application/octet-stream"),
                    payload: ByteBuffer(bytes: [0xFF, 0x00, 0x81]))))
        conversation.wait(milliseconds: waits.send)
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: 2, result: .recipientInvalid, serverMessageID: 0)))
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: 1, result: .success, serverMessageID: 9001)))
        conversation.send(
            cmp: .deliver(
                CMPDeliver(serverMessageID: 9002, senderUser: "bob", senderDevice: "laptop", serverTime: 1_795_000_000_200, payload: ByteBuffer(string: "yo"))))
        conversation.wait(milliseconds: waits.deliver)
        conversation.send(cmp: .deliverAck(CMPDeliverAck(serverMessageID: 9002)))
        conversation.send(cmp: .ping)
        conversation.wait(milliseconds: waits.ping)
        conversation.send(cmp: .pong)
        conversation.send(cmp: .kick(CMPKick(reason: .idleTimeout, extensions: CMPExtensions(reasonString: "silent for 90 s"))))
        conversation.finish()
        return conversation
    }

    static let sessionTypes = ["LOGIN", "LOGIN_ACK", "SEND", "SEND", "SEND_ACK", "SEND_ACK", "DELIVER", "DELIVER_ACK", "PING", "PONG", "KICK"]

    static func latency(_ message: DecodedCMPMessage?, expectedMilliseconds: Int) -> Bool {
        guard let latency = message?.latency else { return false }
        return abs(latency - Double(expectedMilliseconds) / 1000) < 0.0005
    }

    @Test("a session on port 7000: every message in order, with the user, its fields and the ack latencies")
    func session() throws {
        let events = decode(Self.session().packets)
        #expect(events.cmpTypes == Self.sessionTypes)
        #expect(events.messages.isEmpty, "nothing decoded as MQTT")
        let messages = events.cmpMessages
        #expect(messages.allSatisfy { $0.user == "alice" && $0.device == "phone" })
        #expect(messages.allSatisfy { $0.frame.problems.isEmpty && $0.notes.isEmpty }, "\(messages.map(\.notes))")
        #expect(messages.allSatisfy { $0.message.type.isSentByClient == ($0.direction == .clientToServer) })
        let byType = { (type: CMPMessageType) in messages.filter { $0.message.type == type } }
        #expect(Self.latency(byType(.loginAck).first, expectedMilliseconds: 1 + Self.waits.login))
        // SEND 2 went 1 ms after SEND 1; the acks came back in the other order, 1 ms apart.
        let acks = byType(.sendAck)
        guard case .sendAck(let first) = acks[0].message, case .sendAck(let second) = acks[1].message else { throw TestFailure("not SEND_ACKs") }
        #expect(first.messageID == 2 && first.result == .recipientInvalid && second.messageID == 1 && second.result == .success)
        #expect(Self.latency(acks[0], expectedMilliseconds: 1 + Self.waits.send))
        #expect(Self.latency(acks[1], expectedMilliseconds: 1 + 1 + Self.waits.send + 1))
        #expect(Self.latency(byType(.deliverAck).first, expectedMilliseconds: 1 + Self.waits.deliver))
        #expect(Self.latency(byType(.pong).first, expectedMilliseconds: 1 + Self.waits.ping))
        #expect(messages.filter { $0.latency != nil }.map(\.message.type) == [.loginAck, .sendAck, .sendAck, .deliverAck, .pong])
        guard case .send(let room) = byType(.send)[1].message else { throw TestFailure("not a SEND") }
        #expect(room.toRoom && room.recipient == "general" && room.extensions.contentType == "application/octet-stream")
        #expect(Array(room.payload.readableBytesView) == [0xFF, 0x00, 0x81])
        guard case .kick(let kick) = byType(.kick).first?.message else { throw TestFailure("no KICK") }
        #expect(kick.reason == .idleTimeout && kick.extensions.reasonString == "silent for 90 s")
        #expect(events.unansweredFlows.isEmpty)
        // Every byte each side sent is in a message: the TCP payloads (Ethernet 14 + IPv4 20 +
        // TCP 20 bytes of headers) add up to the messages' wire lengths.
        for (direction, port) in [(TCPDirection.clientToServer, 50123), (.serverToClient, 7000)] {
            let payload = Self.session().packets.filter { $0.data.count > 54 && Int($0.data[34]) << 8 | Int($0.data[35]) == port }.map { $0.data.count - 54 }
            #expect(messages.filter { $0.direction == direction }.map(\.frame.wireLength).reduce(0, +) == payload.reduce(0, +))
        }
    }

    @Test("tiny, duplicated and reordered segments decode to the same messages", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func shuffled(seed: UInt64) {
        let conversation = Self.session(segmentSize: 3)
        var generator = SeededGenerator(seed: seed)
        var packets: [CapturedPacket] = []
        for packet in conversation.packets {
            packets.append(packet)
            if Int.random(in: 0..<10, using: &generator) == 0 { packets.append(packet) }
        }
        var index = 2
        while index < packets.count - 2 {
            let end = min(index + 8, packets.count - 2)
            packets[index..<end].shuffle(using: &generator)
            index = end
        }
        #expect(packets.map(\.data) != conversation.packets.map(\.data), "the segments really moved")
        let events = decode(packets)
        let expected = decode(conversation.packets).cmpMessages
        #expect(expected.count == Self.sessionTypes.count)
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            #expect(events.cmpMessages.filter { $0.direction == direction }.map(\.frame) == expected.filter { $0.direction == direction }.map(\.frame))
        }
        #expect(events.cmpMessages.allSatisfy { $0.frame.problems.isEmpty && $0.user == "alice" })
        #expect(events.streamErrors.isEmpty)
    }

    @Test("content detection: a LOGIN makes any port CMP, a CONNECT still makes it MQTT, other traffic is left alone")
    func detection() {
        let cmp = Self.session(serverPort: 5555)
        var mqtt = ConversationBuilder(serverPort: 5556, clientPort: 50200)
        mqtt.send(.connect(.init(version: .v5, clientID: "odd-port")), fromClient: true)
        mqtt.send(.connAck(.init()), fromClient: false)
        var http = ConversationBuilder(serverPort: 8080, clientPort: 50999)
        http.sendRaw(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), fromClient: true)
        let events = decode(cmp.packets + mqtt.packets + http.packets)
        #expect(events.cmpTypes == Self.sessionTypes)
        #expect(events.types == ["CONNECT", "CONNACK"])
        #expect(Set(events.cmpMessages.map(\.connection.server.port)) == [5555])
    }

    @Test("content detection works when the first segments are too short to tell a LOGIN from a CONNECT", arguments: [1, 2, 5, 9])
    func detectionOnTinySegments(segmentSize: Int) {
        let cmp = Self.session(segmentSize: segmentSize, serverPort: 5555)
        var mqtt = ConversationBuilder(serverPort: 5556, clientPort: 50200, segmentSize: segmentSize)
        mqtt.send(.connect(.init(version: .v3_1_1, clientID: "tiny")), fromClient: true)
        mqtt.send(.connAck(.init()), fromClient: false)
        mqtt.finish()
        let events = decode(cmp.packets + mqtt.packets)
        #expect(events.cmpTypes == Self.sessionTypes)
        #expect(events.types == ["CONNECT", "CONNACK"])
    }

    @Test("--port 7443=cmp decodes a connection picked up mid-stream, which content alone cannot recognise")
    func portHint() throws {
        var conversation = ConversationBuilder.cmp(serverPort: 7443, handshake: false)
        conversation.send(cmp: .send(CMPSend(messageID: 5, recipient: "carol", payload: ByteBuffer(string: "late"))))
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: 5, result: .storedOffline, serverMessageID: 77)))
        var options = DecodePipeline.Options()
        #expect(options.hints.add("7443=cmp") == nil)
        #expect(options.hints.add("7443=xmpp")?.contains("known: mqtt, cmp") == true)
        let events = decode(conversation.packets, options: options)
        #expect(events.cmpTypes == ["SEND", "SEND_ACK"])
        // The capture missed the LOGIN: no user, and no complaint about acks for unseen sends.
        #expect(events.cmpMessages.allSatisfy { $0.user == nil && $0.notes.isEmpty })
        #expect(decode(conversation.packets).cmpTypes.isEmpty)
        #expect(ProtocolHints.defaults.protocol(forServerPort: 7000) == .cmp)
    }

    @Test("a message that breaks a rule but frames correctly is reported and skipped; the next ones decode")
    func framingIntactErrors() throws {
        var conversation = ConversationBuilder.cmp(segmentSize: 700)
        conversation.send(cmp: .login(CMPLogin(keepAlive: 30, user: "dave", device: "d1", token: Self.token)))
        // A PING with a body byte: the length holds, the body does not.
        conversation.sendRaw([0x70, 0x01, 0x00], fromClient: true)
        // A SEND over the decoder's limit, in several segments: refused on its header, its bytes
        // dropped as they come.
        let big = ConversationBuilder.bytes(.send(CMPSend(messageID: 1, recipient: "bob", payload: ByteBuffer(repeating: 0x41, count: 5000))))
        conversation.sendRaw(big, fromClient: true)
        conversation.send(cmp: .send(CMPSend(messageID: 2, recipient: "bob", payload: ByteBuffer(string: "after"))))
        conversation.send(cmp: .ping)
        conversation.finish()
        var options = DecodePipeline.Options()
        options.maximumMessageSize = 1024
        let events = decode(conversation.packets, options: options)
        #expect(events.cmpTypes == ["LOGIN", "SEND", "PING"])
        let errors = events.streamErrors
        #expect(errors.count == 2)
        #expect(errors.first?.0.contains("CMP PING") == true && errors.first?.1 == 3)
        #expect(errors.last?.0.contains("over the maximum of 1024") == true && errors.last?.1 == big.count)
        guard case .send(let after) = events.cmpMessages[1].message else { throw TestFailure("not a SEND") }
        #expect(after.messageID == 2 && String(buffer: after.payload) == "after")
    }

    @Test("a reserved message type loses the framing: reported, then decoding resumes at the next message boundary")
    func reservedTypeResynchronises() throws {
        var conversation = ConversationBuilder.cmp()
        conversation.send(cmp: .login(CMPLogin(keepAlive: 30, user: "erin", device: "d1", token: Self.token)))
        let junk: [UInt8] = [0xB0, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05]
        conversation.sendRaw(junk, fromClient: true)
        for id in 1...3 as ClosedRange<UInt32> {
            conversation.send(cmp: .send(CMPSend(messageID: id, recipient: "bob", payload: ByteBuffer(string: "m\(id)"))))
        }
        conversation.finish()
        let events = decode(conversation.packets)
        let errors = events.streamErrors
        #expect(errors.count == 2)
        #expect(errors.first?.0.contains("reserved message type 11") == true && errors.first?.1 == nil)
        #expect(errors.last?.0.contains("resynchronised") == true && errors.last?.1 == junk.count)
        let ids = events.cmpMessages.compactMap { if case .send(let send) = $0.message { return send.messageID } else { return nil } }
        #expect(ids == [1, 2, 3])
    }

    @Test("a lost segment inside a SEND: truncated with its recipient, the gap counted, decoding resumes")
    func gap() throws {
        var conversation = ConversationBuilder.cmp(segmentSize: 500)
        conversation.send(cmp: .login(CMPLogin(keepAlive: 30, user: "frank", device: "d1", token: Self.token)))
        let big = CMPMessage.send(CMPSend(messageID: 1, recipient: "grace", payload: ByteBuffer(string: String(repeating: "y", count: 3000))))
        conversation.send(cmp: big)
        for id in 2...4 as ClosedRange<UInt32> {
            conversation.send(cmp: .send(CMPSend(messageID: id, recipient: "r\(id)", payload: ByteBuffer(string: "ok"))))
        }
        conversation.finish()
        var packets = conversation.packets
        // The client's data segments: [0] LOGIN, [1...] the big SEND; drop its third.
        let dataIndexes = packets.indices.filter { packets[$0].data.count > 54 }
        packets.remove(at: dataIndexes[3])
        let events = decode(packets)
        let declared = ConversationBuilder.bytes(big).count
        #expect(events.contains { if case .truncated(_, _, _, "SEND", declared, 1000, "grace", .cmp) = $0 { return true } else { return false } })
        #expect(events.contains { if case .gap(_, .clientToServer, 500, _, .cmp) = $0 { return true } else { return false } })
        let recipients = events.cmpMessages.compactMap { if case .send(let send) = $0.message { return send.recipient } else { return nil } }
        #expect(recipients == ["r2", "r3", "r4"])
        // No server here: what was decoded stays open; the cut SEND was never seen whole.
        #expect(events.unansweredFlows.map { $0.request + ($0.messageID.map { " \($0)" } ?? "") } == ["LOGIN", "SEND 2", "SEND 3", "SEND 4"])
    }

    @Test("requests never answered are reported when the connection ends, oldest first")
    func unanswered() throws {
        var conversation = ConversationBuilder.cmp()
        conversation.send(cmp: .login(CMPLogin(keepAlive: 30, user: "heidi", device: "d1", token: Self.token)))
        conversation.send(cmp: .loginAck(CMPLoginAck(result: .success, sessionID: 1, serverTime: 0, keepAlive: 30)))
        conversation.send(cmp: .send(CMPSend(messageID: 7, recipient: "bob", payload: ByteBuffer(string: "lost"))))
        conversation.send(cmp: .send(CMPSend(messageID: 8, recipient: "bob", payload: ByteBuffer(string: "acked"))))
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: 8, result: .success, serverMessageID: 100)))
        conversation.send(cmp: .deliver(CMPDeliver(serverMessageID: 9005, senderUser: "bob", senderDevice: "d2", serverTime: 0, payload: ByteBuffer())))
        conversation.send(cmp: .ping)
        conversation.send(cmp: .sendAck(CMPSendAck(messageID: 99, result: .success, serverMessageID: 101)))
        conversation.finish()
        let pipelineEvents = decodeWithStatistics(conversation.packets)
        let flows = pipelineEvents.events.unansweredFlows
        #expect(
            flows.map { "\($0.request) \($0.messageID.map(String.init) ?? $0.serverMessageID.map(String.init) ?? "-") \($0.awaiting)" } == [
                "SEND 7 SEND_ACK", "DELIVER 9005 DELIVER_ACK", "PING - PONG",
            ])
        #expect(flows.allSatisfy { $0.proto == .cmp })
        #expect(flows.map(\.direction) == [.clientToServer, .serverToClient, .clientToServer])
        let stray = try #require(pipelineEvents.events.cmpMessages.last)
        #expect(stray.notes == ["SEND_ACK for message id 99 with no SEND seen"])
        #expect(pipelineEvents.statistics.cmp.unanswered == ["SEND": 1, "DELIVER": 1, "PING": 1])
    }

    @Test("--json: proto cmp, the spec's field names in camelCase, results by name and number, never the token")
    func json() throws {
        let events = decode(Self.session().packets)
        var builder = JSONLineBuilder()
        for event in events { EventJSON.write(event, into: &builder) }
        let text = String(decoding: builder.bytes, as: UTF8.self)
        #expect(!text.contains(Self.token) && !text.contains("Q2xhaW1z"))
        let lines = try text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(lines.map { $0["type"] as? String ?? "?" } == Self.sessionTypes)
        #expect(lines.allSatisfy { $0["proto"] as? String == "cmp" && $0["user"] as? String == "alice" && $0["device"] as? String == "phone" })
        #expect(lines.allSatisfy { ($0["problems"] as? [Any])?.isEmpty == true })
        let fields = lines.map { $0["fields"] as? [String: Any] ?? [:] }
        #expect(fields[0]["user"] as? String == "alice" && fields[0]["tokenLength"] as? Int == Self.token.utf8.count && fields[0]["token"] == nil)
        #expect(fields[0]["protocolName"] as? String == "CMP" && fields[0]["version"] as? Int == 1 && fields[0]["keepAlive"] as? Int == 60)
        #expect(fields[1]["result"] as? String == "success" && fields[1]["resultCode"] as? Int == 0 && fields[1]["sessionId"] as? Int == 17)
        #expect(fields[2]["messageId"] as? Int == 1 && fields[2]["recipient"] as? String == "bob" && fields[2]["toRoom"] as? Bool == false)
        #expect(fields[2]["payload"] as? String == "hi" && fields[2]["payloadLength"] as? Int == 2 && fields[2]["payloadEncoding"] == nil)
        #expect(fields[3]["payload"] as? String == Base64.encode([0xFF, 0x00, 0x81]) && fields[3]["payloadEncoding"] as? String == "base64")
        #expect((fields[3]["extensions"] as? [String: Any])?["contentType"] as? String == "application/octet-stream")
        #expect(fields[2]["extensions"] == nil, "no extensions: no key")
        #expect(fields[4]["result"] as? String == "recipient-invalid" && fields[4]["resultCode"] as? Int == Int(CMPResultCode.recipientInvalid.rawValue))
        #expect(fields[5]["serverMessageId"] as? Int == 9001)
        #expect(fields[6]["senderUser"] as? String == "bob" && fields[6]["senderDevice"] as? String == "laptop" && fields[6]["room"] is NSNull)
        #expect(fields[7]["serverMessageId"] as? Int == 9002)
        #expect(fields[10]["reason"] as? String == "idle-timeout" && fields[10]["reasonCode"] as? Int == Int(CMPResultCode.idleTimeout.rawValue))
        #expect((fields[10]["extensions"] as? [String: Any])?["reasonString"] as? String == "silent for 90 s")
        #expect(
            lines.filter { $0["latencyMs"] is Double }.map { $0["type"] as? String ?? "?" } == ["LOGIN_ACK", "SEND_ACK", "SEND_ACK", "DELIVER_ACK", "PONG"])
        let sendAck = try #require(lines.first { $0["type"] as? String == "SEND_ACK" })
        #expect(abs((sendAck["latencyMs"] as? Double ?? 0) - Double(1 + Self.waits.send)) < 0.5)
        #expect(lines.allSatisfy { ($0["src"] as? String)?.hasSuffix(":7000") == ($0["direction"] as? String == "server-to-client") })
    }

    @Test("--json: stream events of a CMP connection say proto cmp; UNANSWERED names the message id")
    func jsonStreamEvents() throws {
        var conversation = ConversationBuilder.cmp()
        conversation.send(cmp: .login(CMPLogin(keepAlive: 30, user: "ivan", device: "d1", token: Self.token)))
        conversation.sendRaw([0xC0, 0x00], fromClient: true)
        conversation.send(cmp: .send(CMPSend(messageID: 41, recipient: "bob", payload: ByteBuffer())))
        conversation.finish()
        var builder = JSONLineBuilder()
        for event in decode(conversation.packets) { EventJSON.write(event, into: &builder) }
        let lines = try String(decoding: builder.bytes, as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(lines.allSatisfy { $0["proto"] as? String == "cmp" })
        #expect(lines.contains { $0["type"] as? String == "DECODE_ERROR" })
        let unanswered = try #require(
            lines.first { $0["type"] as? String == "UNANSWERED" && ($0["fields"] as? [String: Any])?["request"] as? String == "SEND" })
        let fields = try #require(unanswered["fields"] as? [String: Any])
        #expect(fields["request"] as? String == "SEND" && fields["messageId"] as? Int == 41 && fields["awaiting"] as? String == "SEND_ACK")
        #expect(fields["packetId"] == nil)
    }

    @Test("text: one aligned line per message, user/device as the client, key fields, the token only as its length")
    func text() {
        var text = EventText()
        let lines = decode(Self.session().packets).map { text.line($0) }
        #expect(lines.count == Self.sessionTypes.count)
        #expect(lines.allSatisfy { !$0.contains(Self.token) && $0.contains("alice/phone") })
        #expect(lines[0].contains("LOGIN") && lines[0].contains("user=alice device=phone v=1 keepAlive=60 token=(\(Self.token.utf8.count) bytes)"))
        #expect(lines[1].contains("success session=17") && lines[1].contains("after request"))
        #expect(lines[2].contains("id=1 -> bob len=2 \"hi\""))
        #expect(lines[3].contains("id=2 -> general (room)"))
        #expect(lines[4].contains("id=2 recipient-invalid serverId=0"))
        #expect(lines[6].contains("serverId=9002 from bob/laptop len=2 \"yo\""))
        #expect(lines[10].contains("idle-timeout \"silent for 90 s\""))
        // The type column is aligned: it starts at the same place on every line.
        let columns = Set(
            zip(lines, Self.sessionTypes).map { line, type in line.range(of: " " + type).map { line.distance(from: line.startIndex, to: $0.lowerBound) } ?? -1 }
        )
        #expect(columns.count == 1 && !columns.contains(-1))
    }

    @Test("a CMP message does not make the events of the MQTT path larger than an MQTT message")
    func eventSize() {
        #expect(MemoryLayout<DecodedCMPMessage>.size > MemoryLayout<DecodedMessage>.size, "else the box is not needed")
        #expect(MemoryLayout<DecodeEvent>.size <= MemoryLayout<DecodedMessage>.size + 1)
    }

    @Test("--stats: CMP connections, messages, users, send results, ack latency, unanswered; MQTT beside it unchanged")
    func statistics() throws {
        var mqtt = ConversationBuilder(clientPort: 50300)
        mqtt.send(.connect(.init(version: .v3_1_1, clientID: "sensor")), fromClient: true)
        mqtt.send(.connAck(.init()), fromClient: false)
        mqtt.finish()
        var lonely = ConversationBuilder.cmp(clientPort: 50400)
        lonely.send(cmp: .login(CMPLogin(keepAlive: 30, user: "judy", device: "d9", token: Self.token)))
        lonely.finish()
        let (events, pipeline) = decodeWithPipeline(Self.session().packets + mqtt.packets + lonely.packets)
        #expect(!events.isEmpty)
        let report = StatisticsReport(pipeline: pipeline)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json())) as? [String: Any])
        #expect(object["cmpConnections"] as? Int == 2 && object["mqttConnections"] as? Int == 1)
        #expect((object["messagesByType"] as? [String: Int]) == ["CONNECT": 1, "CONNACK": 1])
        let cmp = try #require(object["cmp"] as? [String: Any])
        var expectedTypes: [String: Int] = ["LOGIN": 1]
        for type in Self.sessionTypes { expectedTypes[type, default: 0] += 1 }
        #expect(cmp["messagesByType"] as? [String: Int] == expectedTypes)
        let users = try #require(cmp["users"] as? [[String: Any]])
        #expect(users.map { "\($0["user"] as? String ?? "?") \($0["messages"] as? Int ?? -1)" } == ["alice \(Self.sessionTypes.count)", "judy 1"])
        #expect(cmp["sendResults"] as? [String: Int] == ["success": 1, "recipient-invalid": 1])
        #expect(cmp["loginResults"] as? [String: Int] == ["success": 1])
        #expect(cmp["kickReasons"] as? [String: Int] == ["idle-timeout": 1])
        #expect(cmp["unanswered"] as? [String: Int] == ["LOGIN": 1])
        let flows = try #require(cmp["flows"] as? [[String: Any]])
        #expect(flows.map { $0["kind"] as? String ?? "?" } == ["DELIVER", "LOGIN", "PING", "SEND"])
        let send = try #require(flows.first { $0["kind"] as? String == "SEND" })
        #expect(send["answered"] as? Int == 2)
        // The two SEND latencies: the p50 is the faster, the p99 the slower (histogram precision).
        #expect(abs((send["p50Ms"] as? Double ?? 0) - Double(1 + Self.waits.send)) < 0.1)
        #expect(abs((send["p99Ms"] as? Double ?? 0) - Double(3 + Self.waits.send)) < 0.1)
        let deliver = try #require(flows.first { $0["kind"] as? String == "DELIVER" })
        #expect(abs((deliver["p50Ms"] as? Double ?? 0) - Double(1 + Self.waits.deliver)) < 0.1)

        let text = report.text()
        #expect(text.contains("1 MQTT connections, 2 CMP connections"))
        #expect(text.contains("messages: CONNACK 1, CONNECT 1") || text.contains("messages: CONNECT 1, CONNACK 1"))
        #expect(text.contains("cmp users: 2: alice (\(Self.sessionTypes.count)), judy (1)"))
        #expect(text.contains("cmp send results: recipient-invalid 1, success 1"))
        #expect(text.contains("cmp kicks: idle-timeout 1"))
        #expect(text.contains("  SEND: 2  p50 \(1 + Self.waits.send).0 ms"))
        #expect(text.contains("cmp unanswered: LOGIN 1"))
    }
}

/// Runs packets through a pipeline with statistics and keeps the events and the pipeline.
func decodeWithPipeline(_ packets: [CapturedPacket]) -> ([DecodeEvent], DecodePipeline) {
    var events: [DecodeEvent] = []
    let pipeline = DecodePipeline(options: .init(collectStatistics: true)) { events.append($0) }
    for packet in packets { pipeline.process(packet) }
    pipeline.finish()
    return (events, pipeline)
}

func decodeWithStatistics(_ packets: [CapturedPacket]) -> (events: [DecodeEvent], statistics: DecodeStatistics) {
    let (events, pipeline) = decodeWithPipeline(packets)
    return (events, pipeline.statistics)
}
