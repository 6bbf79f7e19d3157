import Wire

/// Captured packets in, decoded messages out: link and IP layers, TCP reassembly, protocol
/// detection (port hints, then content), and an MQTT decoder per connection.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
public final class DecodePipeline {
    public struct Options: Sendable {
        public var hints: ProtocolHints
        /// The largest MQTT message accepted; larger ones are reported and skipped.
        public var maximumMessageSize: Int
        public var reassembly: TCPReassemblyLimits
        /// Per-message statistics (clients, topics, latency histograms) cost a dictionary lookup
        /// or two per message; off when only the messages are wanted.
        public var collectStatistics: Bool

        public init(
            hints: ProtocolHints = .defaults, maximumMessageSize: Int = MQTTDecoder.defaultMaximumPacketSize,
            reassembly: TCPReassemblyLimits = TCPReassemblyLimits(), collectStatistics: Bool = true
        ) {
            self.hints = hints
            self.maximumMessageSize = maximumMessageSize
            self.reassembly = reassembly
            self.collectStatistics = collectStatistics
        }
    }

    public let options: Options
    @exclusivity(unchecked) private var parser = PacketParser()
    private let reassembler: TCPReassembler
    @exclusivity(unchecked) private var connections: [UInt64: MQTTConnectionDecoder] = [:]
    /// Connections that are not (yet) known to be MQTT, with the bytes seen so far, so a
    /// server that speaks first does not hide the client's CONNECT.
    @exclusivity(unchecked) private var undecided: [UInt64: Int] = [:]
    @exclusivity(unchecked) private var ignored = Set<UInt64>()
    @exclusivity(unchecked) public private(set) var statistics = DecodeStatistics()
    @exclusivity(unchecked) public private(set) var packetsRead = 0
    private let emit: (DecodeEvent) -> Void
    @exclusivity(unchecked) private var lastExpiry: CaptureTimestamp?

    /// `emit` is called for every event, in capture order.
    public init(options: Options = Options(), emit: @escaping (DecodeEvent) -> Void) {
        self.options = options
        self.emit = emit
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
            if let kind = options.hints.protocol(forServerPort: connection.server.port), kind == .mqtt {
                start(connection, sawStart: hadSYN)
            } else {
                undecided[connection.id] = 0
            }
        case .data(let connection, let direction, let bytes, let time):
            guard let decoder = decoder(for: connection, direction: direction, first: bytes) else { return }
            decoder.receive(bytes, direction, at: time) { record($0) }
        case .gap(let connection, let direction, let missing, let time):
            if let decoder = connections[connection.id] {
                decoder.gap(missing, direction, at: time) { record($0) }
            }
        case .closed(let connection, _):
            undecided[connection.id] = nil
            ignored.remove(connection.id)
            if let decoder = connections.removeValue(forKey: connection.id) {
                decoder.close(at: statistics.lastTimestamp ?? CaptureTimestamp(seconds: 0, nanoseconds: 0)) { record($0) }
            }
        }
    }

    /// The decoder of a connection, deciding by content on its first client bytes when no port
    /// hint did: a stream that starts with an MQTT CONNECT is MQTT on any port.
    private func decoder(for connection: TCPConnection, direction: TCPDirection, first bytes: ArraySlice<UInt8>) -> MQTTConnectionDecoder? {
        if let decoder = connections[connection.id] { return decoder }
        if ignored.contains(connection.id) { return nil }
        guard direction == .clientToServer else {
            // The server spoke first: wait for the client, within reason.
            undecided[connection.id, default: 0] += bytes.count
            return nil
        }
        if MQTTFraming.looksLikeConnect(Array(bytes.prefix(64))) != nil {
            undecided[connection.id] = nil
            return start(connection, sawStart: true)
        }
        undecided[connection.id] = nil
        ignored.insert(connection.id)
        return nil
    }

    @discardableResult
    private func start(_ connection: TCPConnection, sawStart: Bool) -> MQTTConnectionDecoder {
        let decoder = MQTTConnectionDecoder(connection: connection, maximumPacketSize: options.maximumMessageSize, sawStart: sawStart)
        connections[connection.id] = decoder
        undecided[connection.id] = nil
        statistics.mqttConnections += 1
        return decoder
    }

    private func record(_ event: DecodeEvent) {
        switch event {
        case .message(let message) where options.collectStatistics:
            let kind = connections[message.connection.id]?.completedKind(of: message)
            statistics.record(message, flow: kind)
            if case .connect = message.packet.body { statistics.versions[message.version.description, default: 0] += 1 }
        case .message:
            break
        case .gap(_, _, let missing, _):
            statistics.gaps += 1
            statistics.gapBytes += missing
        case .streamError(_, _, _, _, let skipped):
            statistics.streamErrors += 1
            statistics.skippedBytes += skipped ?? 0
        case .truncated:
            statistics.truncatedMessages += 1
        case .unanswered(_, let flow):
            statistics.unanswered[flow.request + (flow.qos.map { " QoS \($0)" } ?? ""), default: 0] += 1
        }
        emit(event)
    }
}
