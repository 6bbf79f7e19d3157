import NIOCore
import Wire

/// What the state machine asks of its connection. Each names a side effect in the order it
/// must happen; `ConnectionHandler` performs them and nothing else decides.
extension ConnectionStateMachine {
    /// Write `KICK reason`, then close once it is out. `unregister` is the session to take out
    /// of the registry first, when the connection was logged in.
    struct Kick {
        var reason: CMPResultCode
        var text: String?
        var unregister: Session?
    }

    /// Close without a last message.
    struct Close {
        var unregister: Session?
    }

    enum StartAction {
        case none
        case armLoginTimer
        case kick(Kick)
    }

    struct LoginAccepted {
        /// Register it (kicking a session it replaces); cancel the login timer.
        var register: Session
        var firstIdleCheck: NIODeadline
    }

    enum FrameAction {
        case ignore
        /// Check the LOGIN, then report `loginAccepted` or `loginRefused`.
        case checkLogin(CMPLogin, problems: [String])
        case route(CMPSend, from: Session)
        /// Answer the SEND at once, keeping the connection.
        case refuseSend(UInt32, CMPResultCode, reason: String)
        case reply(CMPMessage)
        case close(Close)
        case kick(Kick)
    }

    enum FailureAction {
        case none
        /// Malformed input: counted as a decode error, then the KICK.
        case malformed(Kick)
        case close(Close)
    }

    enum IdleAction {
        case none
        case recheck(at: NIODeadline)
        case kick(Kick)
    }

    enum AckAction {
        /// The connection is ending: the SEND_ACK has nobody to go to.
        case drop
        case write(thenKick: Kick?)
    }

    struct CleanUp {
        var unregister: Session?
        /// Give back the admission counted at start.
        var releaseAdmission: Bool
        /// The loop counted this connection as open.
        var wasStarted: Bool
    }
}

extension ConnectionStateMachine.Kick: Equatable where Session: Equatable {}
extension ConnectionStateMachine.Close: Equatable where Session: Equatable {}
extension ConnectionStateMachine.LoginAccepted: Equatable where Session: Equatable {}
