import NIOCore
import Wire

/// The life of one client connection as a value: every event of the connection goes in, and
/// what the connection must do comes out as an action that `ConnectionHandler` performs.
///
///     idle --admitted--> awaitingLogin --LOGIN ok--> loggedIn --LOGOUT / KICK / error--> ending
///       |                      |                         |                                  |
///       +--refused: KICK-------+--timeout, bad: KICK-----+---------------------------------+--> closed
///
/// Kept apart from NIO (it holds only plain values) so that every way a connection can go is
/// tested by feeding events, without a channel or a loop. The session leaves the registry on
/// the one transition out of `loggedIn`, whichever event causes it, so it is unregistered
/// exactly once however the connection ends (FIN, RST, write error, idle, kick, drain).
///
/// `Session` is the registry's handle for a logged-in connection; generic so tests can use a
/// plain value.
struct ConnectionStateMachine<Session> {
    enum State {
        /// Accepted; admission not yet decided.
        case idle
        case awaitingLogin
        case loggedIn(Session)
        /// A KICK, a refused LOGIN or a LOGOUT ended the conversation: nothing more is read or
        /// routed. The session, if there was one, has already been unregistered.
        case ending
        /// The channel is gone.
        case closed
    }

    private(set) var state = State.idle
    let limits: CMLimits
    /// Counted against the server's limits, so released exactly once when the channel closes.
    private var admitted = false
    private var draining = false
    /// SENDs from this connection still waiting for their deliveries; drain waits for them.
    private(set) var pendingAcks = 0
    /// By the loop's clock, so tests control time.
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var keepAliveLimit = TimeAmount.seconds(90)

    init(limits: CMLimits) {
        self.limits = limits
    }

    var hasStarted: Bool {
        if case .idle = state { return false }
        return true
    }

    /// Whether input is still read and acted on.
    var isConversing: Bool {
        switch state {
        case .awaitingLogin, .loggedIn: return true
        case .idle, .ending, .closed: return false
        }
    }

    /// Whether DELIVERs may still be written to this connection.
    var isLoggedIn: Bool {
        if case .loggedIn = state { return true }
        return false
    }

    // MARK: Start and login

    /// The channel is active and the server has decided on admission.
    mutating func started(admission: ServerContext.Admission, now: NIODeadline) -> StartAction {
        guard case .idle = state else { return .none }
        lastActivity = now
        switch admission {
        case .admitted:
            admitted = true
            state = .awaitingLogin
            return .armLoginTimer
        case .refused(let code):
            state = .ending
            return .kick(Kick(reason: code, text: nil, unregister: nil))
        }
    }

    mutating func loginTimerFired() -> Kick? {
        guard case .awaitingLogin = state else { return nil }
        return leave(kicking: .loginTimeout, "no LOGIN within \(limits.loginTimeoutSeconds) s")
    }

    /// The LOGIN passed its checks and `session` was made for it.
    mutating func loginAccepted(_ session: Session, keepAlive: UInt16) -> LoginAccepted? {
        guard case .awaitingLogin = state else { return nil }
        state = .loggedIn(session)
        // The spec: silent for the keep-alive plus half of it.
        keepAliveLimit = .milliseconds(Int64(keepAlive) * 1500)
        return LoginAccepted(register: session, firstIdleCheck: lastActivity + keepAliveLimit)
    }

    /// The LOGIN failed its checks: its LOGIN_ACK is the last message of the connection.
    mutating func loginRefused() {
        if case .awaitingLogin = state { state = .ending }
    }

    // MARK: Input

    /// One complete message from the client.
    mutating func received(_ frame: CMPFrame) -> FrameAction {
        switch state {
        case .idle, .ending, .closed:
            return .ignore
        case .awaitingLogin:
            guard case .login(let login) = frame.message else {
                return .kick(leave(kicking: .notLoggedIn, "\(frame.message.type.name) before LOGIN"))
            }
            return .checkLogin(login, problems: frame.problems)
        case .loggedIn(let session):
            return receivedInSession(frame, session: session)
        }
    }

    private mutating func receivedInSession(_ frame: CMPFrame, session: Session) -> FrameAction {
        switch frame.message {
        case .send(let send):
            guard frame.problems.isEmpty else {
                return .refuseSend(send.messageID, .malformedMessage, reason: frame.problems.joined(separator: "; "))
            }
            return .route(send, from: session)
        case .deliverAck:
            return .ignore  // the in-memory CM keeps nothing to forget
        case .ping:
            return .reply(.pong)
        case .logout:
            state = .ending
            return .close(Close(unregister: session))
        case .login:
            return .kick(leave(kicking: .protocolError, "a second LOGIN on a logged-in connection"))
        case .loginAck, .sendAck, .deliver, .pong, .kick:
            return .kick(leave(kicking: .protocolError, "\(frame.message.type.name) is sent by servers, not clients"))
        }
    }

    /// A read finished: the idle clock restarts.
    mutating func readCompleted(now: NIODeadline) {
        lastActivity = now
    }

    /// The input could not be decoded, or the transport failed (reset, write error, TLS).
    mutating func failed(_ error: any Error) -> FailureAction {
        guard isConversing else { return .none }
        guard let error = error as? CMPDecodeError else {
            return .close(leaveQuietly())
        }
        if case .messageTooLarge = error.kind {
            return .malformed(leave(kicking: .messageTooLarge, error.description))
        }
        return .malformed(leave(kicking: .malformedMessage, error.description))
    }

    // MARK: Timers and flow control

    /// The idle timer fired: kick, or check again when the connection would be due.
    mutating func idleCheckDue(now: NIODeadline) -> IdleAction {
        guard case .loggedIn = state else { return .none }
        let due = lastActivity + keepAliveLimit
        guard due <= now else { return .recheck(at: due) }
        return .kick(leave(kicking: .idleTimeout, "silent for \(keepAliveLimit.nanoseconds / 1_000_000_000) s"))
    }

    /// The channel turns unwritable when more than `writeBufferLimit` bytes wait for a client
    /// that does not read: drop it rather than hold its backlog.
    mutating func writabilityChanged(isWritable: Bool) -> Kick? {
        guard !isWritable, case .loggedIn = state else { return nil }
        return leave(kicking: .slowConsumer, "more than \(limits.writeBufferLimit) bytes unread")
    }

    // MARK: Sends in flight

    mutating func sendDispatched() {
        pendingAcks += 1
    }

    /// A SEND's deliveries are done: answer it, and finish a drain that waited for it.
    mutating func sendAnswered() -> AckAction {
        pendingAcks -= 1
        guard case .loggedIn = state else { return .drop }
        guard draining, pendingAcks == 0 else { return .write(thenKick: nil) }
        return .write(thenKick: leave(kicking: .serverShutdown, "server shutting down"))
    }

    // MARK: Endings from outside

    /// Another connection (a newer login of the same device) or the server ends this one.
    mutating func kickRequested(_ reason: CMPResultCode, text: String?) -> Kick? {
        switch state {
        case .idle, .awaitingLogin, .loggedIn: return leave(kicking: reason, text)
        case .ending, .closed: return nil
        }
    }

    /// SIGTERM: read nothing more; once this connection's own SENDs are answered, KICK.
    mutating func drainRequested() -> Kick? {
        draining = true
        switch state {
        case .awaitingLogin: return leave(kicking: .serverShutdown, "server shutting down")
        case .loggedIn: return pendingAcks == 0 ? leave(kicking: .serverShutdown, "server shutting down") : nil
        case .idle, .ending, .closed: return nil
        }
    }

    /// Closed without a word (the drain's deadline passed).
    mutating func closeRequested() -> Close {
        if case .closed = state { return Close(unregister: nil) }
        return leaveQuietly()
    }

    /// The channel is gone: whatever is still held is released, once.
    mutating func closed() -> CleanUp {
        let session: Session? = if case .loggedIn(let session) = state { session } else { nil }
        let cleanUp = CleanUp(unregister: session, releaseAdmission: admitted, wasStarted: hasStarted)
        admitted = false
        state = .closed
        return cleanUp
    }

    // MARK: Leaving

    private mutating func leave(kicking reason: CMPResultCode, _ text: String?) -> Kick {
        Kick(reason: reason, text: text, unregister: leaveQuietly().unregister)
    }

    /// The one way out of `loggedIn` before the channel closes: the session comes back to be
    /// unregistered.
    private mutating func leaveQuietly() -> Close {
        let session: Session? = if case .loggedIn(let session) = state { session } else { nil }
        state = .ending
        return Close(unregister: session)
    }
}
