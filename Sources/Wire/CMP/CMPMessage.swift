/// One CMP message, decoded or to be encoded: the typed body of each message type.
///
/// The flags are not stored: they follow from the body (SEND's `toRoom`, DELIVER's `room`), so
/// the two cannot disagree.
public enum CMPMessage: Sendable, Equatable {
    case login(CMPLogin)
    case loginAck(CMPLoginAck)
    case send(CMPSend)
    case sendAck(CMPSendAck)
    case deliver(CMPDeliver)
    case deliverAck(CMPDeliverAck)
    case ping
    case pong
    case kick(CMPKick)
    case logout(CMPLogout)

    public var type: CMPMessageType {
        switch self {
        case .login: return .login
        case .loginAck: return .loginAck
        case .send: return .send
        case .sendAck: return .sendAck
        case .deliver: return .deliver
        case .deliverAck: return .deliverAck
        case .ping: return .ping
        case .pong: return .pong
        case .kick: return .kick
        case .logout: return .logout
        }
    }

    /// The low four bits of the first byte: bit 0 for a SEND to a room or a DELIVER from one.
    public var flags: UInt8 {
        switch self {
        case .send(let send): return send.toRoom ? 1 : 0
        case .deliver(let deliver): return deliver.room == nil ? 0 : 1
        default: return 0
        }
    }

    /// The extension block, nil for PING and PONG, which have none.
    public var extensions: CMPExtensions? {
        switch self {
        case .login(let login): return login.extensions
        case .loginAck(let ack): return ack.extensions
        case .send(let send): return send.extensions
        case .sendAck(let ack): return ack.extensions
        case .deliver(let deliver): return deliver.extensions
        case .deliverAck(let ack): return ack.extensions
        case .ping, .pong: return nil
        case .kick(let kick): return kick.extensions
        case .logout(let logout): return logout.extensions
        }
    }
}
