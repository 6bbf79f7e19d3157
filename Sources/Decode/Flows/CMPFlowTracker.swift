import Capture
import Wire

/// Pairs CMP requests with their answers on one connection: LOGIN→LOGIN_ACK,
/// SEND→SEND_ACK by client message id, DELIVER→DELIVER_ACK by server message id, PING→PONG
/// in order. An answer gets the time since its request; what is still open when the
/// connection ends is reported as unanswered.
///
/// Keys ignore the direction: every CMP message type travels one way only, so the type alone
/// says which side asked, even when the capture guessed the connection's client wrong.
struct CMPFlowTracker {
    /// The kinds of exchange, named by their request, for statistics.
    enum Kind: String, CaseIterable, Sendable {
        case login = "LOGIN"
        case send = "SEND"
        case deliver = "DELIVER"
        case ping = "PING"

        /// The exchange a message of this type completes, if it is an answer.
        static func completed(by type: CMPMessageType) -> Kind? {
            switch type {
            case .loginAck: return .login
            case .sendAck: return .send
            case .deliverAck: return .deliver
            case .pong: return .ping
            default: return nil
            }
        }
    }

    private struct Pending {
        var since: CaptureTimestamp
        var direction: TCPDirection
    }

    private var login: Pending?
    private var sends: [UInt32: Pending] = [:]
    private var delivers: [UInt64: Pending] = [:]
    private var pings: [Pending] = []
    /// Bound per kind and connection, so a peer that never answers cannot grow this forever.
    static let maximumPending = 65_536

    /// Feeds a message; returns the latency when it answers an open request, and a note when
    /// it is an answer to nothing seen (meaningful only when the capture saw the LOGIN).
    mutating func observe(_ message: CMPMessage, direction: TCPDirection, at time: CaptureTimestamp) -> (latency: Double?, unmatched: String?) {
        switch message {
        case .login:
            login = Pending(since: time, direction: direction)
        case .loginAck:
            guard let open = login else { return (nil, "LOGIN_ACK with no LOGIN seen") }
            login = nil
            return (time.seconds(since: open.since), nil)
        case .send(let send):
            // A SEND sent again with the same id keeps the first send time.
            if sends[send.messageID] == nil, sends.count < Self.maximumPending {
                sends[send.messageID] = Pending(since: time, direction: direction)
            }
        case .sendAck(let ack):
            guard let open = sends.removeValue(forKey: ack.messageID) else {
                return (nil, "SEND_ACK for message id \(ack.messageID) with no SEND seen")
            }
            return (time.seconds(since: open.since), nil)
        case .deliver(let deliver):
            if delivers[deliver.serverMessageID] == nil, delivers.count < Self.maximumPending {
                delivers[deliver.serverMessageID] = Pending(since: time, direction: direction)
            }
        case .deliverAck(let ack):
            guard let open = delivers.removeValue(forKey: ack.serverMessageID) else {
                return (nil, "DELIVER_ACK for server message id \(ack.serverMessageID) with no DELIVER seen")
            }
            return (time.seconds(since: open.since), nil)
        case .ping:
            if pings.count < Self.maximumPending { pings.append(Pending(since: time, direction: direction)) }
        case .pong:
            guard !pings.isEmpty else { return (nil, "PONG with no PING seen") }
            return (time.seconds(since: pings.removeFirst().since), nil)
        case .kick, .logout:
            break
        }
        return (nil, nil)
    }

    /// What is still open, oldest first.
    func unanswered() -> [UnansweredFlow] {
        var flows: [UnansweredFlow] = []
        if let login {
            flows.append(UnansweredFlow(proto: .cmp, request: "LOGIN", awaiting: "LOGIN_ACK", direction: login.direction, since: login.since))
        }
        for (id, open) in sends {
            flows.append(UnansweredFlow(proto: .cmp, request: "SEND", messageID: id, awaiting: "SEND_ACK", direction: open.direction, since: open.since))
        }
        for (id, open) in delivers {
            flows.append(
                UnansweredFlow(proto: .cmp, request: "DELIVER", serverMessageID: id, awaiting: "DELIVER_ACK", direction: open.direction, since: open.since))
        }
        for open in pings {
            flows.append(UnansweredFlow(proto: .cmp, request: "PING", awaiting: "PONG", direction: open.direction, since: open.since))
        }
        // Same time (one segment): by id, so the order does not depend on dictionary order.
        return flows.sorted { ($0.since, $0.messageID ?? 0, $0.serverMessageID ?? 0) < ($1.since, $1.messageID ?? 0, $1.serverMessageID ?? 0) }
    }
}
