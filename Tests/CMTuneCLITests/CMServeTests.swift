import CM
import CMTuneTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing
import Wire

/// `cmtune cm serve` as a process on loopback, driven by real clients over TCP and WebSocket.
@Suite("cmtune cm serve", .serialized, .timeLimit(.minutes(2)))
struct CMServeTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static let available = CMTuneBinary.exists

    func startCM(_ extra: [String] = []) throws -> CMServeProcess {
        try CMServeProcess(
            [
                "--listen", "tcp://127.0.0.1:0", "--listen", "ws://127.0.0.1:0/cm", "--metrics", "127.0.0.1:0",
                "--loops", "2", "--pin", "off", "--log-level", "warning",
                // The test runner's two cooperative threads are shared with suites that block, so a
                // client may stall for seconds between connecting and logging in.
                "--login-timeout", "120s",
            ] + extra,
            listenerCount: 2)
    }

    func client(_ cm: CMServeProcess, _ transport: ListenAddress.Transport, user: String, device: String = "phone") async throws -> CMPClient {
        let address = try #require(cm.listener(transport))
        let client = try await CMPClient.connect(to: address, on: Self.group)
        let ack = try await client.login(user: user, device: device, token: try cm.token(user))
        #expect(ack.result == .success, "login of \(user) over \(transport): \(ack)")
        return client
    }

    @Test(
        "cm token prints a token the CM accepts; a device-bound token only logs in that device",
        .enabled(if: available, "needs the cmtune binary"))
    func tokens() async throws {
        let cm = try startCM()
        let address = try #require(cm.listener(.tcp))
        let phoneOnly = try cm.token("alice", device: "phone")
        #expect(phoneOnly.hasPrefix("v1.") && phoneOnly.contains(".phone."))
        let laptop = try await CMPClient.connect(to: address, on: Self.group)
        #expect(try await laptop.login(user: "alice", device: "laptop", token: phoneOnly).result == .badToken)
        let phone = try await CMPClient.connect(to: address, on: Self.group)
        #expect(try await phone.login(user: "alice", device: "phone", token: phoneOnly).result == .success)
        await phone.close()
        let bad = try CMTuneBinary.run(["cm", "token", "--secret-file", "/nonexistent/KEY", "--user", "a"])
        #expect(bad.status != 0)
        #expect(bad.error.contains("/nonexistent/KEY") && bad.error.contains("No such file"))
        #expect(cm.stop().status == 0)
    }

    @Test(
        "messages between TCP and WebSocket clients are delivered and acked; metrics count them",
        .enabled(if: available, "needs the cmtune binary"))
    func delivery() async throws {
        let cm = try startCM()
        let alice = try await client(cm, .tcp, user: "alice")
        let bob = try await client(cm, .webSocket, user: "bob")
        for id in 1...50 {
            let to = id % 2 == 0 ? "bob" : "alice"
            let from = id % 2 == 0 ? alice : bob
            try await from.send(.send(CMPSend(messageID: UInt32(id), recipient: to, toRoom: false, payload: ByteBuffer(string: "message \(id)"))))
        }
        var acks: [UInt32: CMPSendAck] = [:]
        var delivered: [String: [String]] = ["alice": [], "bob": []]
        for (name, connection) in [("alice", alice), ("bob", bob)] {
            while acks.count < 50 || delivered[name]!.count < 25 {
                guard let frame = try await connection.next(timeout: .seconds(5)) else { break }
                switch frame.message {
                case .sendAck(let ack): acks[ack.messageID] = ack
                case .deliver(let deliver):
                    delivered[name]!.append(String(buffer: deliver.payload))
                    try await connection.send(.deliverAck(CMPDeliverAck(serverMessageID: deliver.serverMessageID)))
                default: Issue.record("unexpected \(frame.message.type.name)")
                }
                if name == "alice" && delivered["alice"]!.count == 25 && acks.values.filter({ $0.messageID % 2 == 0 }).count == 25 { break }
            }
        }
        #expect(acks.count == 50)
        #expect(acks.values.allSatisfy { $0.result == .success && $0.serverMessageID > 0 })
        #expect(delivered["bob"]!.sorted() == (1...50).filter { $0 % 2 == 0 }.map { "message \($0)" }.sorted())
        #expect(delivered["alice"]!.sorted() == (1...50).filter { $0 % 2 == 1 }.map { "message \($0)" }.sorted())

        let metrics = try cm.scrape()
        #expect(metrics.contains("cm_sessions 2"))
        #expect(metrics.contains("cm_loop_busy_ratio{loop=\"1\"}"))
        let sends = metrics.split(separator: "\n").filter { $0.hasPrefix("cm_sends_total{") && $0.contains("result=\"success\"") }
        #expect(sends.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +) == 50)
        await alice.close()
        await bob.close()
        #expect(cm.stop().status == 0)
    }

    @Test(
        "a client that stops reading is disconnected as a slow consumer; every SEND to it is still answered",
        .enabled(if: available, "needs the cmtune binary"))
    func slowConsumer() async throws {
        let cm = try startCM(["--max-write-buffer", "256KiB", "--send-rate", "0"])
        let sender = try await client(cm, .tcp, user: "sender")
        // The slow reader: a raw socket that logs in and then never reads.
        let address = try #require(cm.listener(.tcp))
        let slow = try RawSocket(host: address.host, port: address.port, receiveBuffer: 4096)
        var login = ByteBuffer()
        try CMPEncoder.encode(.login(CMPLogin(keepAlive: 0, user: "slow", device: "d", token: try cm.token("slow"))), into: &login)
        try slow.write(Array(buffer: login))
        // Ready once its LOGIN_ACK is back: the session is registered before anything is sent to it.
        #expect(try readLoginAck(slow)?.result == .success)

        let payload = ByteBuffer(repeating: 0x78, count: 16 << 10)
        let count = 400  // 6.4 MB towards a reader that takes nothing
        for id in 1...count {
            try await sender.send(.send(CMPSend(messageID: UInt32(id), recipient: "slow", toRoom: false, payload: payload)))
        }
        var results: [CMPResultCode: Int] = [:]
        var answered = 0
        while answered < count, let frame = try await sender.next(timeout: .seconds(20)) {
            if case .sendAck(let ack) = frame.message {
                results[ack.result, default: 0] += 1
                answered += 1
            }
        }
        #expect(answered == count, "every SEND answered: \(results)")
        #expect(results[.recipientOffline, default: 0] > 0, "writes to the dropped client were refused, not acked: \(results)")
        let metrics = try cm.scrape()
        #expect(metrics.contains("reason=\"slow-consumer\"} 1"))
        #expect(metrics.contains("cm_sessions 1"))
        slow.close()
        await sender.close()
        #expect(cm.stop().status == 0)
    }

    @Test(
        "SIGTERM drains: clients get KICK server-shutdown, every acked message was delivered, exit 0",
        .enabled(if: available, "needs the cmtune binary"))
    func drain() async throws {
        let cm = try startCM(["--send-rate", "0"])
        let alice = try await client(cm, .tcp, user: "alice")
        let bob = try await client(cm, .webSocket, user: "bob")
        let sent = 2000
        let sending = Task {
            for id in 1...sent {
                try await alice.send(.send(CMPSend(messageID: UInt32(id), recipient: "bob", toRoom: false, payload: ByteBuffer(string: "m\(id)"))))
            }
        }
        // Stop once messages are flowing: bob has his first.
        var received = Set<UInt32>()
        var bobKick: CMPKick?
        func take(_ frame: CMPFrame) {
            if case .deliver(let deliver) = frame.message { received.insert(UInt32(String(buffer: deliver.payload).dropFirst())!) }
            if case .kick(let kick) = frame.message { bobKick = kick }
        }
        if let first = try await bob.next(timeout: .seconds(15)) { take(first) }
        let stopping = Task.detached { cm.stop() }
        try? await sending.value

        var acked = Set<UInt32>()
        var aliceKick: CMPKick?
        while let frame = try await alice.next(timeout: .seconds(15)) {
            if case .sendAck(let ack) = frame.message, ack.result == .success { acked.insert(ack.messageID) }
            if case .kick(let kick) = frame.message { aliceKick = kick }
        }
        while let frame = try await bob.next(timeout: .seconds(15)) { take(frame) }
        let (status, errors) = await stopping.value
        #expect(status == 0, "\(errors)")
        #expect(aliceKick?.reason == .serverShutdown)
        #expect(bobKick?.reason == .serverShutdown)
        #expect(aliceKick?.extensions.reconnectDelay != nil)
        #expect(!acked.isEmpty)
        #expect(acked.isSubset(of: received), "acked but not delivered: \(acked.subtracting(received).sorted().prefix(10))")
    }

    /// The first message a raw client gets, expected to be its LOGIN_ACK.
    func readLoginAck(_ socket: RawSocket) throws -> CMPLoginAck? {
        var buffer = ByteBuffer()
        var decoder = CMPDecoder()
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let bytes = socket.readSome(timeout: deadline.timeIntervalSinceNow)
            guard !bytes.isEmpty else { return nil }
            buffer.writeBytes(bytes)
            if let frame = try decoder.decode(buffer: &buffer) {
                if case .loginAck(let ack) = frame.message { return ack }
                return nil
            }
        }
        return nil
    }

    @Test(
        "a malformed client is closed alone; the others keep talking",
        .enabled(if: available, "needs the cmtune binary"))
    func malformedClient() async throws {
        let cm = try startCM(["--max-frame", "1KiB"])
        let alice = try await client(cm, .tcp, user: "alice")
        let bob = try await client(cm, .tcp, user: "bob")
        let address = try #require(cm.listener(.tcp))
        let hostile = try RawSocket(host: address.host, port: address.port)
        // A LOGIN claiming 200 MB: refused from its header.
        try hostile.write([0x10, 0xFF, 0xFF, 0xFF, 0x5F])
        let reply = try hostile.readAll(timeout: 5)
        var buffer = ByteBuffer(bytes: reply)
        var decoder = CMPDecoder()
        #expect(try decoder.decode(buffer: &buffer)?.message.kickReason == .messageTooLarge)
        try await alice.send(.send(CMPSend(messageID: 1, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "still here"))))
        let delivered = try await bob.next()
        #expect(delivered?.message.deliverPayload == "still here")
        await alice.close()
        await bob.close()
        #expect(cm.stop().status == 0)
    }

    @Test(
        "bad arguments are one-line errors with exit status 2",
        .enabled(if: available, "needs the cmtune binary"))
    func badArguments() throws {
        let cases: [([String], String)] = [
            (["--listen", "udp://0.0.0.0:1"], "unknown scheme 'udp'"),
            (["--pin", "0,999"], "CPU 999 is not online"),
            (["--listen", "tls://127.0.0.1:0"], "TLS needs --tls-cert"),
            (["--max-frame", "lots"], "max-frame"),
        ]
        let directory = try TemporaryDirectory()
        try directory.write("KEY", "secret\n")
        for (arguments, message) in cases {
            let result = try CMTuneBinary.run(["cm", "serve", "--secret-file", directory.path + "/KEY"] + arguments)
            #expect(result.status == 2)
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
        }
    }
}

extension CMPMessage {
    var kickReason: CMPResultCode? {
        if case .kick(let kick) = self { return kick.reason }
        return nil
    }

    var deliverPayload: String? {
        if case .deliver(let deliver) = self { return String(buffer: deliver.payload) }
        return nil
    }
}

@Suite("cmtune cm serve port ownership", .timeLimit(.minutes(1)))
struct CMServePortTests {
    @Test(
        "a second CM on a port another CM holds is refused, not silently sharing it through SO_REUSEPORT",
        .enabled(if: CMTuneBinary.exists, "needs the cmtune binary"))
    func portClash() throws {
        let first = try CMServeProcess(["--listen", "tcp://127.0.0.1:0", "--pin", "off", "--loops", "2", "--log-level", "warning"], listenerCount: 1)
        let port = try #require(first.listeners.first?.port)
        let second = try CMTuneBinary.run(["cm", "serve", "--secret-file", first.secretFile, "--listen", "tcp://127.0.0.1:\(port)", "--pin", "off"])
        #expect(second.status == 2)
        #expect(second.error.contains("cannot listen on tcp://127.0.0.1:\(port): Address already in use"), "\(second.error)")
        #expect(first.stop().status == 0)
    }
}
