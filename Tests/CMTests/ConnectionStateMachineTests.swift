import NIOCore
import Testing
import Wire

@testable import CM

/// The connection state machine fed events by hand, with no channel and no loop: each test
/// states what comes out of each event.
@Suite("CM connection state machine")
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine<String>

    static let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    func frame(_ message: CMPMessage, problems: [String] = []) -> CMPFrame {
        CMPFrame(message: message, wireLength: 0, problems: problems)
    }

    func login(_ user: String = "alice") -> CMPFrame {
        frame(.login(CMPLogin(keepAlive: 30, user: user, device: "phone", token: "t")))
    }

    func send(_ id: UInt32 = 1) -> CMPFrame {
        frame(.send(CMPSend(messageID: id, recipient: "bob", toRoom: false, payload: ByteBuffer(string: "hi"))))
    }

    /// A machine with "alice" logged in, keep-alive 30 s, at `start`.
    func loggedIn(limits: CMLimits = CMLimits()) -> Machine {
        var machine = Machine(limits: limits)
        _ = machine.started(admission: .admitted, now: Self.start)
        _ = machine.received(login())
        _ = machine.loginAccepted("alice", keepAlive: 30)
        return machine
    }

    @Test("admitted: the login timer is armed; a LOGIN is checked, then the session is registered")
    func loginAccepted() throws {
        var machine = Machine(limits: CMLimits())
        guard case .armLoginTimer = machine.started(admission: .admitted, now: Self.start) else {
            Issue.record("no login timer")
            return
        }
        guard case .checkLogin(let login, let problems) = machine.received(login()) else {
            Issue.record("LOGIN not checked")
            return
        }
        #expect(login.user == "alice" && problems.isEmpty)
        let outcome = machine.loginAccepted("alice", keepAlive: 30)
        let accepted = try #require(outcome)
        #expect(accepted.register == "alice")
        #expect(accepted.firstIdleCheck == Self.start + .seconds(45), "keep-alive plus half")
        #expect(machine.isLoggedIn)
        let lateTimer = machine.loginTimerFired()
        #expect(lateTimer == nil, "the login timer has nothing left to do")
    }

    @Test("a refused LOGIN ends the conversation: later input is ignored, nothing is unregistered")
    func loginRefused() {
        var machine = Machine(limits: CMLimits())
        _ = machine.started(admission: .admitted, now: Self.start)
        _ = machine.received(login())
        machine.loginRefused()
        #expect(!machine.isConversing)
        guard case .ignore = machine.received(frame(.ping)) else {
            Issue.record("input read after a refused LOGIN")
            return
        }
        let lateLogin = machine.loginAccepted("alice", keepAlive: 30)
        #expect(lateLogin == nil)
        let cleanUp = machine.closed()
        #expect(cleanUp.unregister == nil && cleanUp.releaseAdmission && cleanUp.wasStarted)
    }

    @Test("refused admission: KICK with the code; nothing to release at close")
    func admissionRefused() {
        var machine = Machine(limits: CMLimits())
        guard case .kick(let kick) = machine.started(admission: .refused(.serverBusy), now: Self.start) else {
            Issue.record("no KICK")
            return
        }
        #expect(kick.reason == .serverBusy && kick.unregister == nil)
        let cleanUp = machine.closed()
        #expect(!cleanUp.releaseAdmission)
    }

    @Test("no LOGIN within the login timeout: KICK login-timeout")
    func loginTimeout() {
        var machine = Machine(limits: CMLimits(loginTimeoutSeconds: 5))
        _ = machine.started(admission: .admitted, now: Self.start)
        let timeout = machine.loginTimerFired()
        #expect(timeout?.reason == .loginTimeout)
        let again = machine.loginTimerFired()
        #expect(again == nil, "one KICK")
    }

    @Test("anything before LOGIN: KICK not-logged-in")
    func sendBeforeLogin() {
        var machine = Machine(limits: CMLimits())
        _ = machine.started(admission: .admitted, now: Self.start)
        guard case .kick(let kick) = machine.received(send()) else {
            Issue.record("no KICK")
            return
        }
        #expect(kick.reason == .notLoggedIn && kick.unregister == nil)
        #expect(!machine.isConversing)
    }

    @Test("a logged-in SEND is routed from its session; one with problems is answered malformed-message")
    func sendRouted() {
        var machine = loggedIn()
        guard case .route(let routed, let session) = machine.received(send(7)) else {
            Issue.record("not routed")
            return
        }
        #expect(routed.messageID == 7 && session == "alice")
        guard case .refuseSend(let id, let result, _) = machine.received(frame(send(8).message, problems: ["bad"])) else {
            Issue.record("not refused")
            return
        }
        #expect(id == 8 && result == .malformedMessage && machine.isLoggedIn)
        guard case .reply(.pong) = machine.received(frame(.ping)) else {
            Issue.record("no PONG")
            return
        }
    }

    @Test("a second LOGIN on the connection, or a newer login of the device elsewhere: KICK and unregister once")
    func duplicateLogin() {
        var machine = loggedIn()
        guard case .kick(let kick) = machine.received(login()) else {
            Issue.record("no KICK")
            return
        }
        #expect(kick.reason == .protocolError && kick.unregister == "alice")

        var replaced = loggedIn()
        let duplicate = replaced.kickRequested(.duplicateLogin, text: "again")
        #expect(duplicate?.reason == .duplicateLogin && duplicate?.unregister == "alice")
        let secondKick = replaced.kickRequested(.duplicateLogin, text: "again")
        #expect(secondKick == nil, "one KICK")
        let cleanUp = replaced.closed()
        #expect(cleanUp.unregister == nil, "already unregistered")
    }

    @Test("idle: checked again when due after reads; KICK idle-timeout once silent past keep-alive + 50 %")
    func idleTimeout() {
        var machine = loggedIn()
        machine.readCompleted(now: Self.start + .seconds(40))
        guard case .recheck(let due) = machine.idleCheckDue(now: Self.start + .seconds(45)) else {
            Issue.record("kicked early")
            return
        }
        #expect(due == Self.start + .seconds(85))
        guard case .kick(let kick) = machine.idleCheckDue(now: due) else {
            Issue.record("no KICK")
            return
        }
        #expect(kick.reason == .idleTimeout && kick.unregister == "alice")
        guard case .none = machine.idleCheckDue(now: due + .seconds(90)) else {
            Issue.record("a second KICK")
            return
        }
    }

    @Test("drain: KICK at once without SENDs in flight; otherwise after the last SEND_ACK")
    func drain() {
        var waiting = Machine(limits: CMLimits())
        _ = waiting.started(admission: .admitted, now: Self.start)
        let waitingKick = waiting.drainRequested()
        #expect(waitingKick?.reason == .serverShutdown)

        var idle = loggedIn()
        let kick = idle.drainRequested()
        #expect(kick?.reason == .serverShutdown && kick?.unregister == "alice")

        var busy = loggedIn()
        busy.sendDispatched()
        busy.sendDispatched()
        let early = busy.drainRequested()
        #expect(early == nil)
        guard case .write(thenKick: nil) = busy.sendAnswered() else {
            Issue.record("kicked with a SEND in flight")
            return
        }
        guard case .write(thenKick: let last?) = busy.sendAnswered() else {
            Issue.record("no KICK after the last SEND_ACK")
            return
        }
        #expect(last.reason == .serverShutdown && last.unregister == "alice")
        #expect(busy.pendingAcks == 0)
    }

    @Test("a SEND_ACK for a connection that is ending is dropped, but still counted")
    func ackAfterEnding() {
        var machine = loggedIn()
        machine.sendDispatched()
        _ = machine.writabilityChanged(isWritable: false)
        guard case .drop = machine.sendAnswered() else {
            Issue.record("written to an ending connection")
            return
        }
        #expect(machine.pendingAcks == 0)
    }

    @Test("slow consumer: unwritable while logged in is a KICK slow-consumer; writable again is nothing")
    func slowConsumer() {
        var machine = loggedIn()
        let writable = machine.writabilityChanged(isWritable: true)
        #expect(writable == nil)
        let kick = machine.writabilityChanged(isWritable: false)
        #expect(kick?.reason == .slowConsumer && kick?.unregister == "alice")
        let again = machine.writabilityChanged(isWritable: false)
        #expect(again == nil, "one KICK")
    }

    @Test("malformed input: KICK message-too-large or malformed-message; server-only messages are protocol errors")
    func malformedInput() {
        var tooLarge = loggedIn()
        guard case .malformed(let big) = tooLarge.failed(CMPDecodeError(.messageTooLarge(length: 9000, maximum: 100), offset: 0)) else {
            Issue.record("not malformed")
            return
        }
        #expect(big.reason == .messageTooLarge && big.unregister == "alice")
        guard case .none = tooLarge.failed(CMPDecodeError(.extensionOverrun, offset: 0)) else {
            Issue.record("a second ending")
            return
        }

        var garbage = loggedIn()
        guard case .malformed(let kick) = garbage.failed(CMPDecodeError(.reservedType(15), offset: 0)) else {
            Issue.record("not malformed")
            return
        }
        #expect(kick.reason == .malformedMessage)

        var confused = loggedIn()
        guard case .kick(let protocolError) = confused.received(frame(.pong)) else {
            Issue.record("no KICK")
            return
        }
        #expect(protocolError.reason == .protocolError && protocolError.unregister == "alice")
    }

    struct Reset: Error {}

    /// Every way a logged-in connection can end, as the events that end it.
    static let endings: [(String, @Sendable (inout Machine) -> String?)] = [
        ("FIN", { machine in machine.closed().unregister }),
        (
            "RST or write error",
            { machine in
                guard case .close(let close) = machine.failed(Reset()) else { return nil }
                return close.unregister
            }
        ),
        (
            "LOGOUT",
            { machine in
                guard case .close(let close) = machine.received(CMPFrame(message: .logout(CMPLogout()), wireLength: 2)) else { return nil }
                return close.unregister
            }
        ),
        (
            "idle",
            { machine in
                guard case .kick(let kick) = machine.idleCheckDue(now: ConnectionStateMachineTests.start + .seconds(3600)) else { return nil }
                return kick.unregister
            }
        ),
        ("kick", { machine in machine.kickRequested(.duplicateLogin, text: nil)?.unregister }),
        ("drain", { machine in machine.drainRequested()?.unregister }),
        ("drain timeout", { machine in machine.closeRequested().unregister }),
        ("slow consumer", { machine in machine.writabilityChanged(isWritable: false)?.unregister }),
        (
            "malformed",
            { machine in
                guard case .malformed(let kick) = machine.failed(CMPDecodeError(.extensionOverrun, offset: 0)) else { return nil }
                return kick.unregister
            }
        ),
    ]

    @Test("however a logged-in connection ends, its session is unregistered exactly once", arguments: endings.indices)
    func sessionUnregisteredOnce(ending: Int) {
        let (name, end) = Self.endings[ending]
        var machine = loggedIn()
        var unregistered: [String] = []
        if let session = end(&machine) { unregistered.append(session) }
        // Whatever else happens before the channel is gone: an error, a late timer, a kick.
        if case .close(let close) = machine.failed(Reset()), let session = close.unregister { unregistered.append(session) }
        if case .kick(let kick) = machine.idleCheckDue(now: Self.start + .seconds(7200)), let session = kick.unregister {
            unregistered.append(session)
        }
        if let session = machine.kickRequested(.duplicateLogin, text: nil)?.unregister { unregistered.append(session) }
        if let session = machine.closed().unregister { unregistered.append(session) }
        #expect(unregistered == ["alice"], "\(name)")
        let second = machine.closed()
        let third = machine.closed()
        #expect(second.unregister == nil && !third.releaseAdmission, "\(name): released once")
    }
}
