import Capture
import Wire

/// Captured packets in, decoded messages out, on the calling thread: `CaptureStreams` (link
/// and IP layers, TCP reassembly) feeding one `StreamDecoder` (protocol detection, a decoder
/// per connection, filter and statistics).
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
        /// Topics the statistics track one by one; beyond, they are counted together.
        public var maximumTopics: Int

        public init(
            hints: ProtocolHints = .defaults, maximumMessageSize: Int = MQTTDecoder.defaultMaximumPacketSize,
            reassembly: TCPReassemblyLimits = TCPReassemblyLimits(), collectStatistics: Bool = true,
            filter: DecodeFilter = DecodeFilter(), maximumTopics: Int = DecodeStatistics.maximumTopics
        ) {
            self.maximumTopics = maximumTopics
            self.hints = hints
            self.maximumMessageSize = maximumMessageSize
            self.reassembly = reassembly
            self.collectStatistics = collectStatistics
            self.filter = filter
        }
    }

    public let options: Options
    private let streams: CaptureStreams
    private let decoder: StreamDecoder

    /// `emit` is called for every event, in capture order.
    public init(options: Options = Options(), emit: @escaping (DecodeEvent) -> Void) {
        self.options = options
        streams = CaptureStreams(limits: options.reassembly, serverPorts: options.hints.serverPorts)
        decoder = StreamDecoder(options: options, emit: emit)
    }

    public var packetsRead: Int { streams.packetsRead }
    public var statistics: DecodeStatistics { decoder.statistics }
    public var packetStatistics: PacketStatistics { streams.packetStatistics }
    public var reassemblyStatistics: TCPReassemblyStatistics { streams.reassemblyStatistics }
    /// Connections seen that carried no protocol cmtune decodes.
    public var undecodedConnections: Int { decoder.undecodedConnections }

    public func process(_ packet: CapturedPacket) {
        decoder.see(packet.timestamp)
        streams.process(packet) { decoder.handle($0, now: $1) }
    }

    /// End of input: delivers what is buffered around holes, closes every connection and
    /// reports what was left unanswered.
    public func finish() {
        streams.finish { decoder.handle($0, now: $1) }
    }

    /// The client id (MQTT) or user (CMP) of a connection being decoded, once it said.
    public func client(of connection: TCPConnection) -> String? {
        decoder.client(of: connection)
    }
}
