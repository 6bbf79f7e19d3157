import Capture
import NIOCore
import Wire

/// The MQTT session of one connection: carries the version from CONNECT to the server's
/// direction, resolves topic aliases per direction, pairs QoS flows. Framing, skipping and
/// resynchronisation are each direction's `DirectionDecoder`.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
final class MQTTConnectionDecoder {
    let connection: TCPConnection
    /// Each direction's bytes and decoder (client to server first).
    @exclusivity(unchecked) private var directions: [DirectionDecoder<MQTTDecoder>]
    /// Topic aliases, per direction (each side assigns its own).
    @exclusivity(unchecked) private var aliases: [[UInt16: MQTTString]] = [[:], [:]]
    @exclusivity(unchecked) private var flows = QoSFlowTracker()
    @exclusivity(unchecked) private(set) var clientID: String?
    /// Whether the capture saw the CONNECT (else acks may answer requests sent before it).
    @exclusivity(unchecked) private(set) var sawConnect = false
    @exclusivity(unchecked) private var releaseHeldServerData = false
    let maximumPacketSize: Int

    /// `topics` is shared with the other connections decoded on this thread.
    init(connection: TCPConnection, maximumPacketSize: Int, sawStart: Bool, topics: StringInterner) {
        self.connection = connection
        self.maximumPacketSize = maximumPacketSize
        holdServerUntilConnect = sawStart
        directions = [
            DirectionDecoder(MQTTDecoder(maximumPacketSize: maximumPacketSize, strings: topics)),
            DirectionDecoder(MQTTDecoder(maximumPacketSize: maximumPacketSize, strings: topics)),
        ]
    }

    private static func index(_ direction: TCPDirection) -> Int { direction == .clientToServer ? 0 : 1 }

    /// Whether the server's bytes wait for the client's CONNECT: true when the capture saw the
    /// connection start, so the CONNECT is coming and says which version the server speaks.
    @exclusivity(unchecked) private var holdServerUntilConnect: Bool
    /// Beyond this much held server data the CONNECT is not coming; decode with an assumption.
    static let heldServerLimit = 64 << 10

    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        guard directions[side].append(bytes) else { return }
        if direction == .serverToClient && holdServerUntilConnect && directions[side].bufferedBytes < Self.heldServerLimit { return }
        if direction == .serverToClient { holdServerUntilConnect = false }
        drain(side, direction, at: time, emit)
        if releaseHeldServerData {
            releaseHeldServerData = false
            drain(1, .serverToClient, at: time, emit)
        }
        directions[side].compact()
    }

    private func drain(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        while true {
            // Unwrapped as it is returned: an optional kept in a variable was destroyed after
            // its payload moved out, through the runtime's generic path, per message.
            if let packet = directions[side].next() {
                emit(.message(describe(consume packet, direction, at: time)))
            } else if let problem = directions[side].takeProblem() {
                emit(problem.event(connection, direction, at: time, .mqtt))
            } else {
                return
            }
        }
    }

    /// Bytes the capture never saw: what is buffered of a message is reported as truncated,
    /// and the direction looks for the next boundary.
    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        directions[Self.index(direction)].gap(missing, connection, direction, at: time, .mqtt, emit)
    }

    /// The connection ended: a partial message left over is truncated; open flows unanswered.
    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        if holdServerUntilConnect {
            holdServerUntilConnect = false
            drain(1, .serverToClient, at: time, emit)
        }
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            if let cut = directions[Self.index(direction)].leftover { emit(cut.truncatedEvent(connection, direction, at: time, .mqtt)) }
        }
        for flow in flows.unanswered() { emit(.unanswered(connection, flow)) }
    }

    /// Adds the connection's context to a decoded packet.
    private func describe(_ packet: consuming MQTTPacket, _ direction: TCPDirection, at time: CaptureTimestamp) -> DecodedMessage {
        let side = Self.index(direction)
        var notes: [String] = []
        var aliasedTopic: MQTTString?
        var alias: UInt16?
        switch packet.body {
        case .publish(let publish):
            if case .twoByteInteger(let value)? = publish.properties[.topicAlias] {
                alias = value
                if publish.topic.isEmpty {
                    if let known = aliases[side][value] {
                        aliasedTopic = known
                    } else {
                        notes.append("topic alias \(value) was never set on this connection")
                    }
                } else {
                    aliases[side][value] = publish.topic
                }
            }
        case .connect(let connect):
            sawConnect = true
            clientID = connect.clientID.text
            // The server answers in the version the client asked for.
            if let version = connect.version ?? directions[side].codec.version {
                directions[1 - side].codec.version = version
            }
            releaseHeldServerData = holdServerUntilConnect
            holdServerUntilConnect = false
        case .connAck(let ack):
            // A client that sent an empty id gets one from an MQTT 5 server: it names the client from here on.
            if clientID?.isEmpty ?? false, case .utf8String(let assigned)? = ack.properties[.assignedClientIdentifier] {
                clientID = assigned.text
            }
        default:
            break
        }
        let (completion, unmatched) = flows.observe(packet, direction: direction, at: time)
        if let unmatched, sawConnect { notes.append(unmatched) }
        let decoder = directions[side].codec
        return DecodedMessage(
            timestamp: time, connection: connection, direction: direction, packet: packet, clientID: clientID,
            version: decoder.effectiveVersion, versionAssumed: decoder.isVersionAssumed, aliasedTopic: aliasedTopic, topicAlias: alias,
            latency: completion?.latency, notes: notes)
    }

    /// The flow kind a message completed, for statistics.
    static func completedKind(of message: DecodedMessage) -> QoSFlowTracker.Kind? {
        guard message.latency != nil else { return nil }
        switch message.packet.body {
        case .pubAck: return .publishQoS1
        case .pubComp: return .publishQoS2
        case .subAck: return .subscribe
        case .unsubAck: return .unsubscribe
        case .pingResponse: return .ping
        default: return nil
        }
    }
}
