import Wire

/// Captured packets in, decoded messages out: link and IP layers, TCP reassembly, protocol
/// detection (port hints, then content), and an MQTT or CMP decoder per connection.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
public final class DecodePipeline {
    public struct Options: Sendable {
        public var hints: ProtocolHints
        /// The largest MQTT or CMP message accepted; larger ones are reported and skipped.
        public var maximumMessageSize: Int
        public var reassembly: TCPReassemblyLimits
        /// Per-message statistics (clients, topics, latency histograms) cost a dictionary lookup
        /// or two per message; off when only the messages are wanted.
        public var collectStatistics: Bool
        /// What to keep; events it drops are neither emitted nor counted.
        public var filter: DecodeFilter

        public init(
            hints: ProtocolHints = .defaults, maximumMessageSize: Int = MQTTDecoder.defaultMaximumPacketSize,
            reassembly: TCPReassemblyLimits = TCPReassemblyLimits(), collectStatistics: Bool = true,
            filter: DecodeFilter = DecodeFilter()
        ) {
            self.hints = hints
            self.maximumMessageSize = maximumMessageSize
            self.reassembly = reassembly
            self.collectStatistics = collectStatistics
            self.filter = filter
        }
    }

    public let options: Options
    @exclusivity(unchecked) private var parser = PacketParser()
    private let reassembler: TCPReassembler
    @exclusivity(unchecked) private var connections: [UInt64: ConnectionDecoder] = [:]
    /// Connections that are not (yet) known to be MQTT or CMP, with the bytes seen so far, so a
    /// server that speaks first does not hide the client's CONNECT or LOGIN.
    @exclusivity(unchecked) private var undecided: [UInt64: Int] = [:]
    /// A client's first bytes, while too few to tell a CONNECT from a LOGIN (both start with
    /// 0x10; fewer than `ContentDetection.enoughBytes`), or while an HTTP request's head is
    /// incomplete (at most `WebSocketHandshake.maximumHeadLength`).
    @exclusivity(unchecked) private var heldClientBytes: [UInt64: [UInt8]] = [:]
    @exclusivity(unchecked) private var ignored = Set<UInt64>()
    @exclusivity(unchecked) public private(set) var statistics = DecodeStatistics()
    @exclusivity(unchecked) public private(set) var packetsRead = 0
    private let emit: (DecodeEvent) -> Void
    @exclusivity(unchecked) private var filter: DecodeFilter
    @exclusivity(unchecked) private var lastExpiry: CaptureTimestamp?

    /// `emit` is called for every event, in capture order.
    public init(options: Options = Options(), emit: @escaping (DecodeEvent) -> Void) {
        self.options = options
        self.emit = emit
        filter = options.filter
        reassembler = TCPReassembler(limits: options.reassembly, serverPorts: options.hints.serverPorts)
    }

    public var packetStatistics: PacketStatistics { parser.statistics }
    public var reassemblyStatistics: TCPReassemblyStatistics { reassembler.statistics }
    /// Connections seen that carried no protocol cmtune decodes.
    public var undecodedConnections: Int { ignored.count + undecided.count }

    public func process(_ packet: CapturedPacket) {
        packetsRead += 1
        statistics.see(packet.timestamp)
        switch parser.parse(packet) {
        case .tcp(let segment):
            reassembler.process(segment) { handle($0) }
        case .fragmentHeld, .skipped, .malformed:
            break
        }
        // Expire idle connections and fragments by capture time, every few thousand packets.
        if packetsRead % 4096 == 0 {
            parser.expireFragments(now: packet.timestamp)
            reassembler.expireIdle(now: packet.timestamp) { handle($0) }
        }
    }

    /// End of input: delivers what is buffered around holes, closes every connection and
    /// reports what was left unanswered.
    public func finish() {
        parser.finish()
        reassembler.finish { handle($0) }
    }

    private func handle(_ event: TCPStreamEvent) {
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
                decoder.close(at: statistics.lastTimestamp ?? CaptureTimestamp(seconds: 0, nanoseconds: 0)) { record($0) }
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
            WebSocketConnectionDecoder(connection: connection, request: request, maximumMessageSize: options.maximumMessageSize, at: time) { [unowned self] kind in
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
            decoder = .mqtt(MQTTConnectionDecoder(connection: connection, maximumPacketSize: options.maximumMessageSize, sawStart: sawStart))
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
        switch event {
        case .message, .cmpMessage:
            // Tested before the message is bound: binding copies it (and retains what it holds),
            // a cost per message that `--json` and text output do not need.
            if options.collectStatistics { recordMessage(event) }
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
