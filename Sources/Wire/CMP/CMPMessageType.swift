/// The message type in the high four bits of a CMP message's first byte.
///
/// 0 and 11 to 15 are reserved for later versions: a decoder that meets one cannot know the
/// message's layout, so it is fatal (`CMPDecodeError.Kind.reservedType`), never guessed at.
public enum CMPMessageType: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case login = 1
    case loginAck = 2
    case send = 3
    case sendAck = 4
    case deliver = 5
    case deliverAck = 6
    case ping = 7
    case pong = 8
    case kick = 9
    case logout = 10

    /// The spec's upper-case name, as `cmtune decode` prints it: "LOGIN", "SEND_ACK", ...
    public var name: String {
        switch self {
        case .login: return "LOGIN"
        case .loginAck: return "LOGIN_ACK"
        case .send: return "SEND"
        case .sendAck: return "SEND_ACK"
        case .deliver: return "DELIVER"
        case .deliverAck: return "DELIVER_ACK"
        case .ping: return "PING"
        case .pong: return "PONG"
        case .kick: return "KICK"
        case .logout: return "LOGOUT"
        }
    }

    public var description: String { name }

    /// Who sends this type: every CMP message goes one way only, which lets a capture decoder
    /// tell the client side of a connection from the server side without seeing its SYN.
    public var isSentByClient: Bool {
        switch self {
        case .login, .send, .deliverAck, .ping, .logout: return true
        case .loginAck, .sendAck, .deliver, .pong, .kick: return false
        }
    }

    /// The flag bits the type defines: bit 0 for SEND (recipient is a room) and DELIVER (room
    /// present), none for the others. Any other bit set makes the message malformed, so that a
    /// later version can give the bits a meaning without old peers misreading them.
    public var definedFlags: UInt8 {
        switch self {
        case .send, .deliver: return 0b0001
        default: return 0
        }
    }

    /// The fewest body bytes a message of this type can have (every string empty, the
    /// extension block the single byte 0x00); PING and PONG have exactly 0. With `flags` because
    /// a DELIVER to a room carries one more string.
    func minimumRemainingLength(flags: UInt8) -> Int {
        switch self {
        case .login: return 2 + 3 + 1 + 2 + 2 + 2 + 2 + 1  // "CMP", version, keep-alive, 3 strings, extensions
        case .loginAck: return 1 + 8 + 8 + 2 + 1
        case .send: return 4 + 2 + 1
        case .sendAck: return 4 + 1 + 8 + 1
        case .deliver: return 8 + 2 + 2 + 8 + (flags & 1 != 0 ? 2 : 0) + 1
        case .deliverAck: return 8 + 1
        case .ping, .pong: return 0
        case .kick: return 1 + 1
        case .logout: return 1
        }
    }
}
