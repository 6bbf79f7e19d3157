import NIOCore
import Testing
import Wire

@testable import CM

#if canImport(Glibc)
import Glibc
#endif

@Suite("CM sessions on an embedded loop")
struct SessionTests {
    @Test("a valid token logs in: success, a session id, the keep-alive granted")
    func loginSucceeds() throws {
        let cm = EmbeddedCM(limits: CMLimits(idleTimeout: 60))
        let client = try cm.connect()
        try client.send(.login(CMPLogin(keepAlive: 0, user: "alice", device: "phone", token: cm.token("alice"))))
        let replies = try client.received()
        guard case .loginAck(let ack) = replies.first else {
            Issue.record("no LOGIN_ACK: \(replies)")
            return
        }
        #expect(ack.result == .success)
        #expect(ack.sessionID > 0)
        #expect(ack.keepAlive == 60)
        #expect(cm.server.registry.sessions(of: "alice").count == 1)
    }

    @Test(
        "bad, expired or foreign-version logins are refused with the code and closed",
        arguments: [
            ("bad", CMPResultCode.badToken), ("expired", .tokenExpired), ("version", .unsupportedVersion), ("empty", .malformedMessage),
        ])
    func loginRefused(kind: String, expected: CMPResultCode) throws {
        let cm = EmbeddedCM()
        let client = try cm.connect()
        var login = CMPLogin(keepAlive: 30, user: "alice", device: "phone", token: cm.token("alice"))
        switch kind {
        case "bad": login.token = cm.token("mallory")
        case "expired": login.token = cm.token("alice", validFor: -5)
        case "version": login.version = 2
        default: login.device = ""
        }
        try client.send(.login(login))
        guard case .loginAck(let ack) = try client.received().first else {
            Issue.record("no LOGIN_ACK")
            return
        }
        #expect(ack.result == expected)
        #expect(ack.sessionID == 0)
        #expect(ack.extensions.reasonString?.isEmpty == false)
        #expect(!client.isActive)
        #expect(cm.server.registry.sessionCount == 0)
    }

    @Test("anything before LOGIN gets KICK not-logged-in")
    func notLoggedIn() throws {
        let cm = EmbeddedCM()
        let client = try cm.connect()
        try client.send(.send(CMPSend(messageID: 1, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "hi"))))
        #expect(try client.received().first?.kickReason == .notLoggedIn)
        #expect(!client.isActive)
    }

    @Test("a second login from the same device kicks the first; another device coexists")
    func duplicateDevice() throws {
        let cm = EmbeddedCM()
        let first = try cm.loggedIn("alice", device: "phone")
        let laptop = try cm.loggedIn("alice", device: "laptop")
        let second = try cm.loggedIn("alice", device: "phone")
        #expect(try first.received().first?.kickReason == .duplicateLogin)
        #expect(!first.isActive)
        #expect(second.isActive && laptop.isActive)
        #expect(Set(cm.server.registry.sessions(of: "alice").map(\.device)) == ["phone", "laptop"])
    }

    @Test("SEND reaches every device of the recipient and a copy the sender's other devices; acked after the writes")
    func delivery() throws {
        let cm = EmbeddedCM()
        let alice = try cm.loggedIn("alice", device: "phone")
        let aliceLaptop = try cm.loggedIn("alice", device: "laptop")
        let bobPhone = try cm.loggedIn("bob", device: "phone")
        let bobTablet = try cm.loggedIn("bob", device: "tablet")
        try alice.send(
            .send(
                CMPSend(
                    messageID: 7, recipient: "bob", toRoom: false, extensions: CMPExtensions(clientTime: 123_456), payload: ByteBuffer(string: "hello bob"))))
        let ack = try alice.received().compactMap(\.sendAck).first
        #expect(ack?.messageID == 7)
        #expect(ack?.result == .success)
        for recipient in [bobPhone, bobTablet, aliceLaptop] {
            let deliver = try recipient.received().compactMap(\.deliver).first
            #expect(deliver?.serverMessageID == ack?.serverMessageID)
            #expect(deliver?.senderUser == "alice" && deliver?.senderDevice == "phone")
            #expect(deliver?.payload == ByteBuffer(string: "hello bob"))
            #expect(deliver?.extensions.clientTime == 123_456)
        }
        #expect(try alice.received().isEmpty, "the sending connection gets no copy of its own message")
    }

    @Test("to an offline user: recipient-offline without a store; stored-offline and delivered at login with one")
    func offline() throws {
        let plain = EmbeddedCM()
        let alice = try plain.loggedIn("alice")
        try alice.send(.send(CMPSend(messageID: 1, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "x"))))
        let refused = try alice.received().compactMap(\.sendAck).first
        #expect(refused?.result == .recipientOffline)
        #expect(refused?.serverMessageID == 0)

        let stored = EmbeddedCM(offlineStore: InMemoryOfflineStore(perUser: 10, totalBytes: 1 << 20))
        let sender = try stored.loggedIn("alice")
        try sender.send(.send(CMPSend(messageID: 2, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "later"))))
        let kept = try sender.received().compactMap(\.sendAck).first
        #expect(kept?.result == .storedOffline)
        let bob = try stored.connect(from: "10.0.0.2")
        try bob.send(.login(CMPLogin(keepAlive: 30, user: "bob", device: "phone", token: stored.token("bob"))))
        let messages = try bob.received()
        #expect(messages.compactMap(\.deliver).first?.payload == ByteBuffer(string: "later"))
        #expect(messages.compactMap(\.deliver).first?.serverMessageID == kept?.serverMessageID)
    }

    @Test("rooms and empty recipients are refused per message, the connection stays")
    func invalidRecipients() throws {
        let cm = EmbeddedCM()
        let alice = try cm.loggedIn("alice")
        try alice.send(.send(CMPSend(messageID: 1, recipient: "general", toRoom: true, payload: ByteBuffer())))
        try alice.send(.send(CMPSend(messageID: 2, recipient: "", toRoom: false, payload: ByteBuffer())))
        #expect(try alice.received().compactMap(\.sendAck).map(\.result) == [.recipientInvalid, .recipientInvalid])
        #expect(alice.isActive)
    }

    @Test("silent past keep-alive + 50 %: KICK idle-timeout; any message resets the clock")
    func idleTimeout() throws {
        let cm = EmbeddedCM()
        let client = try cm.loggedIn("alice")  // keep-alive 30 s: closed after 45 s of silence
        cm.loop.advanceTime(by: .seconds(40))
        try client.send(.ping)
        #expect(try client.received() == [.pong])
        cm.loop.advanceTime(by: .seconds(44))
        #expect(try client.received().isEmpty)
        #expect(client.isActive)
        cm.loop.advanceTime(by: .seconds(2))
        #expect(try client.received().first?.kickReason == .idleTimeout)
        #expect(!client.isActive)
        #expect(cm.server.registry.sessionCount == 0)
    }

    @Test("a connection reset (or any transport error) unregisters the session, like a FIN")
    func resetUnregisters() throws {
        let cm = EmbeddedCM()
        let alice = try cm.loggedIn("alice")
        let bob = try cm.loggedIn("bob", from: "10.0.0.2")
        alice.channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)"))
        cm.loop.run()
        #expect(!alice.isActive)
        #expect(cm.server.registry.sessions(of: "alice").isEmpty)
        #expect(cm.metrics.exposition().containsSubsequence("cm_sessions 1"))
        // A SEND to the reset user now finds nobody, as for a user who closed with a FIN.
        try bob.send(.send(CMPSend(messageID: 1, recipient: "alice", toRoom: false, payload: ByteBuffer(string: "x"))))
        #expect(try bob.received().compactMap(\.sendAck).first?.result == .recipientOffline)
    }

    @Test("no LOGIN within the login timeout: KICK login-timeout")
    func loginTimeout() throws {
        let cm = EmbeddedCM(limits: CMLimits(loginTimeoutSeconds: 5))
        let client = try cm.connect()
        cm.loop.advanceTime(by: .seconds(4))
        #expect(client.isActive)
        cm.loop.advanceTime(by: .seconds(1))
        #expect(try client.received().first?.kickReason == .loginTimeout)
        #expect(!client.isActive)
    }

    @Test("over the send rate: rate-limited answers, the connection stays, tokens come back with time")
    func rateLimit() throws {
        let cm = EmbeddedCM(limits: CMLimits(sendRate: 2))
        let alice = try cm.loggedIn("alice")
        _ = try cm.loggedIn("bob", from: "10.0.0.2")
        for id in 1...3 {
            try alice.send(.send(CMPSend(messageID: UInt32(id), recipient: "bob", toRoom: false, payload: ByteBuffer(string: "m"))))
        }
        #expect(try alice.received().compactMap(\.sendAck).map(\.result) == [.success, .success, .rateLimited])
        cm.loop.advanceTime(by: .seconds(1))
        try alice.send(.send(CMPSend(messageID: 4, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "m"))))
        #expect(try alice.received().compactMap(\.sendAck).map(\.result) == [.success])
    }

    @Test("an oversize frame or malformed bytes close only that connection, with the reason")
    func malformedInput() throws {
        let cm = EmbeddedCM(limits: CMLimits(maxFrame: 160))  // a LOGIN with its token fits
        let bystander = try cm.loggedIn("carol", from: "10.0.0.3")
        let big = try cm.loggedIn("alice")
        try big.send(.send(CMPSend(messageID: 1, recipient: "carol", toRoom: false, payload: ByteBuffer(repeating: 0x41, count: 200))))
        #expect(try big.received().first?.kickReason == .messageTooLarge)
        #expect(!big.isActive)

        let garbage = try cm.loggedIn("dave", from: "10.0.0.4")
        try garbage.sendRaw(ByteBuffer(bytes: [0xF0, 0x00]))
        #expect(try garbage.received().first?.kickReason == .malformedMessage)
        #expect(!garbage.isActive)

        let confused = try cm.loggedIn("erin", from: "10.0.0.5")
        try confused.send(.pong)
        #expect(try confused.received().first?.kickReason == .protocolError)
        #expect(bystander.isActive)
        #expect(cm.metrics.exposition().containsSubsequence("cm_kicks_total{loop=\"0\",reason=\"message-too-large\"} 1"))
    }

    @Test("connection limits: per address, then server-wide")
    func admission() throws {
        let perAddress = EmbeddedCM(limits: CMLimits(maxPerAddress: 1))
        let first = try perAddress.connect(from: "10.0.0.9")
        let second = try perAddress.connect(from: "10.0.0.9")
        let other = try perAddress.connect(from: "10.0.0.10")
        #expect(try second.received().first?.kickReason == .tooManyConnections)
        #expect(first.isActive && other.isActive && !second.isActive)
        // The refused connection released nothing it did not hold: a new one still fails.
        #expect(try perAddress.connect(from: "10.0.0.9").received().first?.kickReason == .tooManyConnections)
        try first.channel.close().wait()
        #expect(try perAddress.connect(from: "10.0.0.9").isActive)

        let full = EmbeddedCM(limits: CMLimits(maxConnections: 1))
        _ = try full.connect()
        #expect(try full.connect(from: "10.0.0.2").received().first?.kickReason == .serverBusy)
    }

    @Test("drain: KICK server-shutdown with the reconnect delay; LOGOUT closes without a KICK")
    func drainAndLogout() throws {
        let cm = EmbeddedCM()
        let alice = try cm.loggedIn("alice")
        let bob = try cm.loggedIn("bob", from: "10.0.0.2")
        for connection in cm.loopContext.connections.values { connection.beginDrain() }
        guard case .kick(let kick) = try alice.received().first else {
            Issue.record("no KICK")
            return
        }
        #expect(kick.reason == .serverShutdown)
        #expect(kick.extensions.reconnectDelay == 500)
        #expect(!alice.isActive && !bob.isActive)

        let other = EmbeddedCM()
        let carol = try other.loggedIn("carol")
        try carol.send(.logout(CMPLogout()))
        #expect(try carol.received().isEmpty)
        #expect(!carol.isActive)
        #expect(other.server.registry.sessionCount == 0)
    }
}

extension [UInt8] {
    func containsSubsequence(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
