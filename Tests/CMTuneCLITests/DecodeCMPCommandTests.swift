import CMTuneTestSupport
import Foundation
import NIOCore
import Testing
import Wire

/// A classic pcap file (Ethernet, IPv4, TCP) holding CMP connections, written byte by byte
/// as libpcap lays it out, with messages from the codec the CM uses.
struct CMPPcapFile {
    private(set) var bytes: [UInt8]
    private var microseconds: UInt64 = 1_700_000_000_000_000

    init() {
        // Magic, version 2.4, zone, sigfigs, snaplen 262144, link type 1 (Ethernet); little-endian.
        bytes = le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(262_144) + le32(1)
    }

    /// One TCP connection: `handshake` adds SYN and SYN-ACK; each message goes in its own
    /// segment, from the side its type says; a millisecond passes between messages.
    mutating func connection(clientPort: UInt16, serverPort: UInt16, handshake: Bool, _ messages: [CMPMessage]) throws {
        var clientSeq: UInt32 = 5_000
        var serverSeq: UInt32 = 700_000
        if handshake {
            segment(from: clientPort, to: serverPort, seq: clientSeq, ack: 0, flags: 0x02, [])
            clientSeq &+= 1
            segment(from: serverPort, to: clientPort, seq: serverSeq, ack: clientSeq, flags: 0x12, [])
            serverSeq &+= 1
        }
        for message in messages {
            let buffer = try CMPEncoder.encode(message)
            let payload = Array(buffer.readableBytesView)
            if message.type.isSentByClient {
                segment(from: clientPort, to: serverPort, seq: clientSeq, ack: serverSeq, flags: 0x18, payload)
                clientSeq &+= UInt32(payload.count)
            } else {
                segment(from: serverPort, to: clientPort, seq: serverSeq, ack: clientSeq, flags: 0x18, payload)
                serverSeq &+= UInt32(payload.count)
            }
            microseconds += 1_000
        }
        segment(from: clientPort, to: serverPort, seq: clientSeq, ack: serverSeq, flags: 0x11, [])
        segment(from: serverPort, to: clientPort, seq: serverSeq, ack: clientSeq &+ 1, flags: 0x11, [])
    }

    private mutating func segment(from source: UInt16, to destination: UInt16, seq: UInt32, ack: UInt32, flags: UInt8, _ payload: [UInt8]) {
        let clientAddress: [UInt8] = [10, 0, 0, 1]
        let serverAddress: [UInt8] = [10, 0, 0, 2]
        let fromClient = source > destination ? source != 7000 && source != 7443 : destination == 7000 || destination == 7443
        let tcp = be16(source) + be16(destination) + be32(seq) + be32(ack) + [0x50, flags] + be16(65535) + [0, 0, 0, 0] + payload
        let ip: [UInt8] =
            [0x45, 0] + be16(UInt16(20 + tcp.count)) + [0, 0, 0x40, 0, 64, 6, 0, 0]
            + (fromClient ? clientAddress + serverAddress : serverAddress + clientAddress)
        let frame = [0x02, 0, 0, 0, 0, 0x0B, 0x02, 0, 0, 0, 0, 0x0A, 0x08, 0x00] + ip + tcp
        bytes += le32(UInt32(microseconds / 1_000_000)) + le32(UInt32(microseconds % 1_000_000)) + le32(UInt32(frame.count)) + le32(UInt32(frame.count))
        bytes += frame
    }

}

private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
private func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
private func be32(_ value: UInt32) -> [UInt8] { le32(value).reversed() }

@Suite("cmtune decode: CMP", .timeLimit(.minutes(5)))
struct DecodeCMPCommandTests {
    static let token = "v1.1795000000.*.dGhpcyB0b2tlbiBuZXZlciByZWFjaGVzIHRoZSBvdXRwdXQ"

    @Test("decode --json on a CMP capture: proto cmp lines with the spec's fields, latency on acks; --port 7443=cmp; --stats")
    func cmpCapture() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        var pcap = CMPPcapFile()
        let session: [CMPMessage] = [
            .login(CMPLogin(keepAlive: 60, user: "alice", device: "phone", token: Self.token)),
            .loginAck(CMPLoginAck(result: .success, sessionID: 17, serverTime: 1_795_000_000_123, keepAlive: 60)),
            .send(CMPSend(messageID: 1, recipient: "bob", payload: ByteBuffer(string: "hi"))),
            .sendAck(CMPSendAck(messageID: 1, result: .success, serverMessageID: 9001)),
            .send(CMPSend(messageID: 2, recipient: "nobody", payload: ByteBuffer(string: "?"))),
            .kick(CMPKick(reason: .serverShutdown, extensions: CMPExtensions(reconnectDelay: 5000))),
        ]
        try pcap.connection(clientPort: 50001, serverPort: 7000, handshake: true, session)
        // Picked up mid-stream on another port: only --port can say it is CMP.
        let late: [CMPMessage] = [
            .deliver(CMPDeliver(serverMessageID: 42, senderUser: "carol", senderDevice: "tab", serverTime: 1, payload: ByteBuffer(bytes: [0xFF, 0, 1])))
        ]
        try pcap.connection(clientPort: 50002, serverPort: 7443, handshake: false, late)
        let directory = try TemporaryDirectory()
        let path = directory.path + "/cmp.pcap"
        try Data(pcap.bytes).write(to: URL(fileURLWithPath: path))

        let result = try CMTuneBinary.run(["decode", path, "--json", "--port", "7443=cmp"])
        #expect(result.status == 0, "\(result.error)")
        #expect(!result.output.contains(Self.token))
        let lines = try DecodeCommandTests.lines(result.output)
        #expect(lines.allSatisfy { $0["proto"] as? String == "cmp" })
        let messages = lines.filter { ($0["type"] as? String).map { !["UNANSWERED", "DECODE_ERROR", "GAP", "TRUNCATED"].contains($0) } ?? false }
        #expect(messages.map { $0["type"] as? String ?? "?" } == (session + late).map(\.type.name))
        #expect(messages.prefix(session.count).allSatisfy { $0["user"] as? String == "alice" && $0["device"] as? String == "phone" })
        let fields = messages.map { $0["fields"] as? [String: Any] ?? [:] }
        #expect(fields[0]["tokenLength"] as? Int == Self.token.utf8.count)
        #expect(fields[2]["messageId"] as? Int == 1 && fields[2]["recipient"] as? String == "bob" && fields[2]["payload"] as? String == "hi")
        #expect(fields[3]["result"] as? String == "success" && fields[3]["serverMessageId"] as? Int == 9001)
        #expect(fields[5]["reason"] as? String == "server-shutdown" && (fields[5]["extensions"] as? [String: Any])?["reconnectDelay"] as? Int == 5000)
        #expect(fields[6]["senderUser"] as? String == "carol" && fields[6]["payloadEncoding"] as? String == "base64")
        // One millisecond between messages: each ack came 1 ms after its request.
        for index in [1, 3] {
            #expect(abs((messages[index]["latencyMs"] as? Double ?? -1) - 1) < 0.01, "\(messages[index])")
        }
        let unanswered = lines.filter { $0["type"] as? String == "UNANSWERED" }.map { $0["fields"] as? [String: Any] ?? [:] }
        #expect(
            unanswered.map { "\($0["request"] as? String ?? "?") \($0["messageId"] as? Int ?? $0["serverMessageId"] as? Int ?? -1)" } == [
                "SEND 2", "DELIVER 42",
            ])

        let withoutHint = try DecodeCommandTests.lines(try CMTuneBinary.run(["decode", path, "--json"]).output)
        #expect(!withoutHint.contains { $0["type"] as? String == "DELIVER" })
        #expect(withoutHint.contains { $0["type"] as? String == "LOGIN" })

        let text = try CMTuneBinary.run(["decode", path])
        #expect(text.status == 0)
        #expect(text.output.contains("alice/phone") && text.output.contains("id=1 -> bob len=2 \"hi\"") && !text.output.contains(Self.token))

        let stats = try CMTuneBinary.run(["decode", path, "--stats", "--json", "--port", "7443=cmp"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any])
        #expect(summary["cmpConnections"] as? Int == 2)
        let cmp = try #require(summary["cmp"] as? [String: Any])
        #expect(cmp["sendResults"] as? [String: Int] == ["success": 1])
        #expect(cmp["unanswered"] as? [String: Int] == ["SEND": 1, "DELIVER": 1])

        let bad = try CMTuneBinary.run(["decode", path, "--port", "7443=xmpp"])
        #expect(bad.status != 0 && bad.error.contains("known: mqtt, cmp"))
    }

    @Test("a real CM over WebSocket, captured live: every LOGIN, SEND and DELIVER read from inside the frames, the CLOSEs reported", .needsRoot)
    func webSocketCapture() throws {
        try #require(CMTuneBinary.exists, "build first: \(CMTuneBinary.path) is missing")
        let cm = try CMServeProcess(["--listen", "ws://127.0.0.1:0/cm", "--loops", "1", "--pin", "off", "--log-level", "warning"], listenerCount: 1)
        let address = try #require(cm.listener(.webSocket))
        let directory = try TemporaryDirectory()
        let pcap = directory.path + "/ws.pcap"
        let capture = try LoopbackCapture(port: address.port, path: pcap)
        let load = try CMTuneBinary.run([
            "cm", "load", "--secret-file", cm.secretFile, "--target", address.description, "--connections", "4", "--rate", "40/s",
            "--duration", "1s", "--json",
        ])
        capture.stop()
        #expect(cm.stop().status == 0)
        #expect(load.status == 0, "\(load.error)")
        let run = try #require(try JSONSerialization.jsonObject(with: Data(load.output.utf8)) as? [String: Any])
        let sent = try #require(run["sent"] as? Int)
        let delivered = try #require(run["delivered"] as? Int)

        let decoded = try CMTuneBinary.run(["decode", pcap, "--json"])
        #expect(decoded.status == 0, "\(decoded.error)")
        let lines = try decoded.output.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0["proto"] as? String == "cmp" && $0["transport"] as? String == "websocket" })
        func count(_ type: String) -> Int { lines.count { $0["type"] as? String == type } }
        #expect(count("LOGIN") == 4 && count("LOGIN_ACK") == 4)
        #expect(sent > 0 && count("SEND") == sent && count("SEND_ACK") == sent)
        #expect(count("DELIVER") == delivered && count("DELIVER_ACK") == delivered)
        #expect(count("WS_CLOSE") >= 4)
        #expect(count("DECODE_ERROR") == 0 && count("GAP") == 0)

        let stats = try CMTuneBinary.run(["decode", pcap, "--stats", "--json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [String: Any])
        #expect(summary["webSocketConnections"] as? Int == 4 && summary["cmpConnections"] as? Int == 4)
    }
}
