import Capture
import Wire

/// One MQTT message read from a capture, with the connection context it needs to be
/// understood: who the client is, which version it speaks, what a topic alias stood for, and
/// how long the peer took to answer. (A CMP message is a `DecodedCMPMessage`.)
public struct DecodedMessage: Sendable {
    public var timestamp: CaptureTimestamp
    public var connection: TCPConnection
    public var direction: TCPDirection
    public var packet: MQTTPacket
    /// The client id from the connection's CONNECT, when the capture saw it; when that was
    /// empty, the one an MQTT 5 server assigned in its CONNACK (Assigned Client Identifier).
    public var clientID: String?
    public var version: MQTTVersion
    /// True when the capture started after CONNECT, so the version is a stated assumption.
    public var versionAssumed: Bool
    /// For a PUBLISH that named its topic by a topic alias alone (MQTT 5): the topic the alias
    /// stood for. Nil otherwise, when the PUBLISH's own topic is the topic (`topic` gives both):
    /// a second reference to it cost a retain and a release per message.
    public var aliasedTopic: MQTTString?
    /// For a PUBLISH that used a topic alias: the alias.
    public var topicAlias: UInt16?
    /// For a message that completes a QoS flow (PUBACK, PUBCOMP, SUBACK, UNSUBACK, PINGRESP):
    /// seconds since the request.
    public var latency: Double?
    /// Problems found by the session (unknown alias, unmatched ack) beyond the codec's.
    public var notes: [String]

    /// For a PUBLISH: the topic, with a topic alias resolved.
    public var topic: MQTTString? {
        guard case .publish(let publish) = packet.body else { return nil }
        return aliasedTopic ?? publish.topic
    }

    public var source: Endpoint { direction == .clientToServer ? connection.client : connection.server }
    public var destination: Endpoint { direction == .clientToServer ? connection.server : connection.client }
}

/// Everything a decode reports, in capture order.
///
/// Each protocol has its own message case, so the MQTT path carries exactly what it did before
/// CMP came (no existential, no box, no extra allocation per message); the stream events are
/// shared and say which protocol's stream they are about.
public enum DecodeEvent: Sendable {
    /// An MQTT message.
    case message(DecodedMessage)
    /// A CMP message. Boxed: inline, its 296 bytes would make every event, MQTT's included,
    /// 80 bytes larger than the 216 of an MQTT message; the box costs CMP one allocation.
    indirect case cmpMessage(DecodedCMPMessage)
    /// Bytes the capture never saw (loss, a small snaplen): decoding resumes after them.
    case gap(TCPConnection, TCPDirection, missingBytes: Int, CaptureTimestamp, DecodedProtocol)
    /// A message that could not be decoded; `skippedBytes` were passed over to find the next
    /// message boundary (nil: the decoder looks for the next boundary by content).
    case streamError(TCPConnection, TCPDirection, CaptureTimestamp, message: String, skippedBytes: Int?, DecodedProtocol)
    /// A message cut short (snaplen, or a gap in its middle): what could be read of it. `topic`
    /// is an MQTT PUBLISH's topic, or a CMP SEND's recipient, when that much was captured.
    case truncated(TCPConnection, TCPDirection, CaptureTimestamp, type: String, declaredLength: Int, capturedLength: Int, topic: String?, DecodedProtocol)
    /// A request the capture never saw answered.
    case unanswered(TCPConnection, UnansweredFlow)
    /// A WebSocket CLOSE frame, with the status code and reason its sender gave (RFC 6455 §7.4);
    /// the protocol is the one inside the frames.
    case webSocketClose(TCPConnection, TCPDirection, CaptureTimestamp, code: UInt16?, reason: String, DecodedProtocol)
}

extension DecodeEvent {
    /// The connection the event belongs to.
    /// An MQTT or CMP message (not a stream event).
    var isMessage: Bool {
        switch self {
        case .message, .cmpMessage: true
        default: false
        }
    }

    public var connection: TCPConnection {
        switch self {
        case .message(let message): return message.connection
        case .cmpMessage(let message): return message.connection
        case .gap(let connection, _, _, _, _), .streamError(let connection, _, _, _, _, _), .truncated(let connection, _, _, _, _, _, _, _),
            .unanswered(let connection, _), .webSocketClose(let connection, _, _, _, _, _):
            return connection
        }
    }

    /// The message type or event kind, as `type` in the JSON output: `PUBLISH`, `SEND_ACK`, `GAP`, ...
    public var typeName: String {
        switch self {
        case .message(let message): return message.packet.type.name
        case .cmpMessage(let message): return message.message.type.name
        case .gap: return "GAP"
        case .streamError: return "DECODE_ERROR"
        case .truncated: return "TRUNCATED"
        case .unanswered: return "UNANSWERED"
        case .webSocketClose: return "WS_CLOSE"
        }
    }
}

/// A request left open when its connection ended: an MQTT QoS or keep-alive exchange, or a
/// CMP LOGIN, SEND, DELIVER or PING.
public struct UnansweredFlow: Sendable, Equatable {
    public var proto: DecodedProtocol = .mqtt
    /// MQTT: `PUBLISH`, `SUBSCRIBE`, `UNSUBSCRIBE`, `PINGREQ`; CMP: `LOGIN`, `SEND`, `DELIVER`, `PING`.
    public var request: String
    /// MQTT: the packet id.
    public var packetID: UInt16?
    /// CMP: a SEND's client message id.
    public var messageID: UInt32?
    /// CMP: a DELIVER's server message id.
    public var serverMessageID: UInt64?
    /// MQTT: a PUBLISH's QoS.
    public var qos: UInt8?
    /// What was still awaited: `PUBACK`, `PUBREC`, `PUBREL`, `PUBCOMP`, `SUBACK`, ...,
    /// `SEND_ACK`, `DELIVER_ACK`, `LOGIN_ACK`, `PONG`.
    public var awaiting: String
    public var direction: TCPDirection
    public var since: CaptureTimestamp
}
