import NIOCore

/// One decoded (or to-be-encoded) MQTT control packet.
///
/// `body` is the typed content; `flags` are the fixed-header flags as received (the encoder
/// derives its own from the body); `wireLength` is the packet's size on the wire, fixed header
/// included (0 for a packet built in code); `problems` lists the rules the packet breaks
/// although it framed correctly ("invalid UTF-8 in topic name", "duplicate Topic Alias ...").
public struct MQTTPacket: Hashable, Sendable, CustomStringConvertible {
    public var flags: UInt8
    public var body: Body
    public var wireLength: Int
    public var problems: [String]

    /// A packet with the spec's flags for its body, as code builds it for the encoder.
    public init(_ body: Body) {
        self.init(body: body, flags: body.standardFlags, wireLength: 0, problems: [])
    }

    public init(body: Body, flags: UInt8, wireLength: Int, problems: [String]) {
        self.body = body
        self.flags = flags
        self.wireLength = wireLength
        self.problems = problems
    }

    /// The control packet type, from the body so the two cannot disagree.
    public var type: MQTTPacketType { body.type }

    public var description: String {
        problems.isEmpty ? "\(type.name) (\(wireLength) bytes)" : "\(type.name) (\(wireLength) bytes) \(problems)"
    }

    /// The typed content of each packet type.
    public enum Body: Hashable, Sendable {
        /// Indirect: CONNECT is large and rare, and keeping it out of line keeps every other
        /// packet (above all PUBLISH, the hot one) small to copy.
        indirect case connect(Connect)
        case connAck(ConnAck)
        case publish(Publish)
        case pubAck(Ack)
        case pubRec(Ack)
        case pubRel(Ack)
        case pubComp(Ack)
        case subscribe(Subscribe)
        case subAck(SubAck)
        case unsubscribe(Unsubscribe)
        case unsubAck(UnsubAck)
        case pingRequest
        case pingResponse
        case disconnect(Disconnect)
        case auth(Auth)

        public var type: MQTTPacketType {
            switch self {
            case .connect: return .connect
            case .connAck: return .connAck
            case .publish: return .publish
            case .pubAck: return .pubAck
            case .pubRec: return .pubRec
            case .pubRel: return .pubRel
            case .pubComp: return .pubComp
            case .subscribe: return .subscribe
            case .subAck: return .subAck
            case .unsubscribe: return .unsubscribe
            case .unsubAck: return .unsubAck
            case .pingRequest: return .pingRequest
            case .pingResponse: return .pingResponse
            case .disconnect: return .disconnect
            case .auth: return .auth
            }
        }

        /// The fixed-header flags the spec prescribes for this body: DUP, QoS and RETAIN for
        /// PUBLISH, 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 otherwise.
        public var standardFlags: UInt8 {
            if case .publish(let publish) = self { return publish.flags }
            return type.requiredFlags ?? 0
        }
    }
}
