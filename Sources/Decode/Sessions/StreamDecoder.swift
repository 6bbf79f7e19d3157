import Capture
import Wire

/// TCP stream events in, decoded messages out: protocol detection (port hints, then content,
/// then a WebSocket upgrade), an MQTT or CMP decoder per connection, the filter, statistics.
///
/// Everything here belongs to one connection or another, so connections can be decoded by
/// several of these at once (`ShardedDecode`), each given every event of its connections in order.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
public final class StreamDecoder {
    public let options: DecodePipeline.Options
    /// By connection id; looked up for every stream event.
    @exclusivity(unchecked) private var connections = IntegerKeyTable<ConnectionDecoder>()
    /// Connections that are not (yet) known to be MQTT or CMP, with the bytes seen so far, so a
    /// server that speaks first does not hide the client's CONNECT or LOGIN.
    @exclusivity(unchecked) private var undecided: [UInt64: Int] = [:]
    /// A client's first bytes, while too few to tell a CONNECT from a LOGIN (both start with
    /// 0x10; fewer than `ContentDetection.enoughBytes`), or while an HTTP request's head is
    /// incomplete (at most `WebSocketHandshake.maximumHeadLength`).
    @exclusivity(unchecked) private var heldClientBytes: [UInt64: [UInt8]] = [:]
    @exclusivity(unchecked) private var ignored = Set<UInt64>()
    @exclusivity(unchecked) public private(set) var statistics: DecodeStatistics
    private let emit: (DecodeEvent) -> Void
    @exclusivity(unchecked) private var filter: DecodeFilter
    @exclusivity(unchecked) private var eventsHandled = 0
    /// The PUBLISH topics of every MQTT connection here: subscribers receive what publishers sent.
    private let topics = StringInterner(capacity: 4096)

    /// `emit` is called for every event kept, in the order of the stream events.
    public init(options: DecodePipeline.Options, emit: @escaping (DecodeEvent) -> Void) {
        self.options = options
        self.emit = emit
        filter = options.filter
        statistics = DecodeStatistics(topicLimit: options.maximumTopics)
    }

    /// Connections seen that carried no protocol cmtune decodes.
    public var undecodedConnections: Int { ignored.count + undecided.count }

    /// A packet's time, for the capture's span in the statistics.
    func see(_ time: CaptureTimestamp) {
        statistics.see(time)
    }

    /// One event of the reassembled streams; `now` is the latest capture time, the time of a close.
    /// `sequence` numbers the event among all of the capture's (a shard sees only some); by
    /// default the events handled here are counted.
    public func handle(_ event: TCPStreamEvent, now: CaptureTimestamp, sequence: Int? = nil) {
        if options.collectStatistics {
            statistics.startEvent(sequence ?? eventsHandled)
            eventsHandled += 1
        }
        switch event {
        case .opened(let connection, let hadSYN):
            if let kind = options.hints.protocol(forServerPort: connection.server.port) {
                start(connection, as: kind, sawStart: hadSYN)
            } else {
                undecided[connection.id] = 0
            }
        case .data(let connection, let direction, let bytes, let time):
            if let decoder = connections[connection.id] {
                decoder.receive(bytes, direction, at: time) { record($0) }
            } else {
                detect(connection, direction, bytes, at: time)
            }
        case .gap(let connection, let direction, let missing, let time):
            if let decoder = connections[connection.id] {
                decoder.gap(missing, direction, at: time) { record($0) }
            } else if direction == .clientToServer {
                // Bytes held for detection do not continue across a hole.
                heldClientBytes[connection.id] = nil
            }
        case .closed(let connection, _):
            undecided[connection.id] = nil
            heldClientBytes[connection.id] = nil
            ignored.remove(connection.id)
            // Removed after closing: what the close reports is filtered by the connection's client.
            if let decoder = connections[connection.id] {
                decoder.close(at: now) { record($0) }
                connections[connection.id] = nil
                filter.forget(connection: connection.id)
            }
        }
    }

    /// Decides by content, on a connection's first client bytes, when no port hint did: a
    /// stream that starts with an MQTT CONNECT is MQTT, one that starts with a CMP LOGIN is CMP,
    /// on any port; then decodes the bytes.
    private func detect(_ connection: TCPConnection, _ direction: TCPDirection, _ bytes: ArraySlice<UInt8>, at time: CaptureTimestamp) {
        if ignored.contains(connection.id) { return }
        guard direction == .clientToServer else {
            // The server spoke first: wait for the client, within reason.
            undecided[connection.id, default: 0] += bytes.count
            return
        }
        var first = bytes
        if let held = heldClientBytes.removeValue(forKey: connection.id) { first = (held + bytes)[...] }
        if WebSocketHandshake.mayBeRequest(first) {
            // An HTTP request: a WebSocket upgrade once its head is whole, else nothing decoded.
            guard let length = WebSocketHandshake.headLength(first) else {
                if first.count <= WebSocketHandshake.maximumHeadLength { heldClientBytes[connection.id] = Array(first) } else { ignore(connection) }
                return
            }
            guard let request = WebSocketHandshake.request(first.prefix(length)) else { return ignore(connection) }
            let decoder = startWebSocket(connection, request, at: time)
            if first.count > length { decoder.receive(first.dropFirst(length), direction, at: time) { record($0) } }
            return
        }
        let kind: DecodedProtocol
        switch ContentDetection.classify(Array(first.prefix(64))) {
        case .mqtt: kind = .mqtt
        case .cmp: kind = .cmp
        case .needMore:
            heldClientBytes[connection.id] = Array(first)
            return
        case .neither:
            return ignore(connection)
        }
        start(connection, as: kind, sawStart: true).receive(first, direction, at: time) { record($0) }
    }

    private func ignore(_ connection: TCPConnection) {
        undecided[connection.id] = nil
        ignored.insert(connection.id)
    }

    /// A connection that asked to upgrade to WebSocket: what is inside is decided by the
    /// subprotocol or the first data, and counted then.
    private func startWebSocket(_ connection: TCPConnection, _ request: WebSocketHandshake.Request, at time: CaptureTimestamp) -> ConnectionDecoder {
        statistics.webSocketConnections += 1
        let decoder = ConnectionDecoder.webSocket(
            WebSocketConnectionDecoder(connection: connection, request: request, maximumMessageSize: options.maximumMessageSize, topics: topics, at: time) {
                [unowned self] kind in
                switch kind {
                case .mqtt: statistics.mqttConnections += 1
                case .cmp: statistics.cmp.connections += 1
                }
            })
        connections[connection.id] = decoder
        undecided[connection.id] = nil
        return decoder
    }

    @discardableResult
    private func start(_ connection: TCPConnection, as kind: DecodedProtocol, sawStart: Bool) -> ConnectionDecoder {
        let decoder: ConnectionDecoder
        switch kind {
        case .mqtt:
            decoder = .mqtt(MQTTConnectionDecoder(connection: connection, maximumPacketSize: options.maximumMessageSize, sawStart: sawStart, topics: topics))
            statistics.mqttConnections += 1
        case .cmp:
            decoder = .cmp(CMPConnectionDecoder(connection: connection, maximumMessageSize: options.maximumMessageSize, sawStart: sawStart))
            statistics.cmp.connections += 1
        }
        connections[connection.id] = decoder
        undecided[connection.id] = nil
        return decoder
    }

    private func record(_ event: DecodeEvent) {
        if !filter.isEmpty, !filter.admits(event, client: client(of: event)) { return }
        if !options.collectStatistics, event.isMessage {
            // The common case first, without a switch that binds: switching copied the whole
            // event (216 bytes) to a temporary per message, and binding the message retains
            // what it holds, costs that `--json` and text output do not need.
            return emit(event)
        }
        switch event {
        case .message, .cmpMessage:
            recordMessage(event)
        case .gap(_, _, let missing, _, _):
            statistics.gaps += 1
            statistics.gapBytes += missing
        case .streamError(_, _, _, _, let skipped, _):
            statistics.streamErrors += 1
            statistics.skippedBytes += skipped ?? 0
        case .truncated:
            statistics.truncatedMessages += 1
        case .unanswered(_, let flow) where flow.proto == .cmp:
            statistics.cmp.unanswered[flow.request, default: 0] += 1
        case .unanswered(_, let flow):
            statistics.unanswered[flow.request + (flow.qos.map { " QoS \($0)" } ?? ""), default: 0] += 1
        case .webSocketClose(_, _, _, let code, _, _):
            statistics.webSocketCloses[code.map(String.init) ?? "none", default: 0] += 1
        }
        emit(event)
    }

    /// The client id (MQTT) or user (CMP) of a connection being decoded, once it said.
    public func client(of connection: TCPConnection) -> String? {
        connections[connection.id]?.client
    }

    /// The client id (MQTT) or user (CMP) an event is about, when its connection said.
    private func client(of event: borrowing DecodeEvent) -> String? {
        switch event {
        case .message(let message): return message.clientID
        case .cmpMessage(let message): return message.user
        default: return client(of: event.connection)
        }
    }

    private func recordMessage(_ event: DecodeEvent) {
        switch event {
        case .message(let message):
            statistics.record(message, flow: MQTTConnectionDecoder.completedKind(of: message))
            if case .connect = message.packet.body { statistics.versions[message.version.description, default: 0] += 1 }
        case .cmpMessage(let message):
            statistics.record(message)
        default:
            break
        }
    }
}
