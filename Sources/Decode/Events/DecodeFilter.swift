import Wire

#if canImport(Glibc)
import Capture
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Which decoded messages and stream events to keep (`--client`, `--topic`, `--type`), as
/// tshark's display filter keeps packets: one client's conversation out of a CM's hundred
/// thousand, who publishes to a topic, only the connects and disconnects.
///
/// The criteria given must all hold; the values of one criterion are alternatives. Applied in
/// the pipeline, before statistics, so `--stats` summarises what is kept.
public struct DecodeFilter: Sendable {
    /// Client ids (MQTT) or LOGIN users (CMP), as shell patterns (`*`, `?`, `[...]`).
    public var clients: [String] = []
    /// MQTT topic filters: PUBLISHes to a matching topic, SUBSCRIBEs and UNSUBSCRIBEs with an
    /// overlapping filter, and what answers them.
    public var topics: [MQTTTopicFilter] = []
    /// Type names as `type` in the JSON output: MQTT and CMP message types and the stream events.
    public var types: Set<String> = []

    /// The last verdict of `clients` per connection, with the client it was for: a client id
    /// rarely changes, and matching a pattern per message would cost more than decoding it.
    private var clientVerdicts: [UInt64: (client: String, admitted: Bool)] = [:]
    /// Requests kept by `--topic`, by connection, so their answers (and their absence) are kept too.
    private var keptRequests: [UInt64: Set<Request>] = [:]
    private struct Request: Hashable {
        /// The requester's side.
        var direction: TCPDirection
        var packetID: UInt16
    }

    public init(clients: [String] = [], topics: [MQTTTopicFilter] = [], types: Set<String> = []) {
        self.clients = clients
        self.topics = topics
        self.types = types
    }

    public var isEmpty: Bool { clients.isEmpty && topics.isEmpty && types.isEmpty }

    /// Every name `types` may hold.
    public static let typeNames: [String] =
        MQTTPacketType.allCases.map(\.name) + CMPMessageType.allCases.map(\.name) + ["GAP", "DECODE_ERROR", "TRUNCATED", "UNANSWERED", "WS_CLOSE"]

    /// Whether to keep `event`; `client` is its connection's client id or user, when known.
    public mutating func admits(_ event: borrowing DecodeEvent, client: String?) -> Bool {
        // The topic test goes first and sees every event: it tracks the requests it keeps, so
        // their answers are kept even when `types` leaves the request out.
        if !topics.isEmpty, !admitsByTopic(event) { return false }
        if !types.isEmpty, !types.contains(event.typeName) { return false }
        if !clients.isEmpty {
            guard let client else { return false }
            let connection = event.connection.id
            if let verdict = clientVerdicts[connection], verdict.client == client { return verdict.admitted }
            let admitted = clients.contains { Self.glob($0, matches: client) }
            clientVerdicts[connection] = (client, admitted)
            return admitted
        }
        return true
    }

    /// A connection ended: its requests are forgotten (the ids will be reused).
    public mutating func forget(connection id: UInt64) {
        clientVerdicts[id] = nil
        keptRequests[id] = nil
    }

    private mutating func admitsByTopic(_ event: borrowing DecodeEvent) -> Bool {
        switch event {
        case .message(let message):
            return admitsByTopic(message)
        case .truncated(_, _, _, _, _, _, let topic?, .mqtt):
            return topics.contains { $0.matches(topic: topic) }
        case .unanswered(let connection, let flow):
            guard let id = flow.packetID else { return false }
            return keptRequests[connection.id]?.remove(Request(direction: flow.direction, packetID: id)) != nil
        default:
            return false
        }
    }

    private mutating func admitsByTopic(_ message: borrowing DecodedMessage) -> Bool {
        let connection = message.connection.id
        let direction = message.direction
        let peer = direction.reversed
        switch message.packet.body {
        case .publish(let publish):
            guard let topic = message.topic, topics.contains(where: { $0.matches(topic: topic.bytes) }) else { return false }
            if let id = publish.packetID { keptRequests[connection, default: []].insert(Request(direction: direction, packetID: id)) }
            return true
        case .subscribe(let subscribe):
            guard subscribe.subscriptions.contains(where: { overlaps($0.filter) }) else { return false }
            keptRequests[connection, default: []].insert(Request(direction: direction, packetID: subscribe.packetID))
            return true
        case .unsubscribe(let unsubscribe):
            guard unsubscribe.filters.contains(where: overlaps) else { return false }
            keptRequests[connection, default: []].insert(Request(direction: direction, packetID: unsubscribe.packetID))
            return true
        case .pubRec(let ack):
            // QoS 2 goes on: PUBREL (from the publisher) and PUBCOMP still to come.
            return keptRequests[connection]?.contains(Request(direction: peer, packetID: ack.packetID)) == true
        case .pubRel(let ack):
            return keptRequests[connection]?.contains(Request(direction: direction, packetID: ack.packetID)) == true
        case .pubAck(let ack), .pubComp(let ack):
            return keptRequests[connection]?.remove(Request(direction: peer, packetID: ack.packetID)) != nil
        case .subAck(let ack):
            return keptRequests[connection]?.remove(Request(direction: peer, packetID: ack.packetID)) != nil
        case .unsubAck(let ack):
            return keptRequests[connection]?.remove(Request(direction: peer, packetID: ack.packetID)) != nil
        default:
            return false
        }
    }

    /// A SUBSCRIBE's filter overlaps a wanted one; a malformed filter only by equal text.
    private func overlaps(_ filter: MQTTString) -> Bool {
        guard let parsed = try? MQTTTopicFilter(validating: filter.text) else {
            return topics.contains { $0.description == filter.text }
        }
        return topics.contains { $0.overlaps(parsed) }
    }

    /// Shell-style matching (fnmatch(3)), as `--client 'bench-*'` is typed.
    private static func glob(_ pattern: String, matches text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
