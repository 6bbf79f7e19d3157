import Histogram
import Wire

/// The summary `decode --stats` prints: what the capture held, who talked, what was lost.
public struct DecodeStatistics: Sendable {
    public var messagesByType: [String: Int] = [:]
    /// Messages per client id (the CONNECT's), for connections whose CONNECT was captured.
    public var clients: [String: Int] = [:]
    public var topics: [String: TopicCount] = [:]
    public var mqttConnections = 0
    /// Connections upgraded to WebSocket (their MQTT or CMP is counted with the protocol too).
    public var webSocketConnections = 0
    /// WebSocket CLOSE frames, by status code (`none` when a CLOSE carried none).
    public var webSocketCloses: [String: Int] = [:]
    /// Everything about CMP connections but the stream counters below, which both protocols share.
    public var cmp = CMPStatistics()
    /// Connections whose CONNECT the capture missed: their version is an assumption.
    public var connectionsWithAssumedVersion: Int { assumedConnections.count }
    var assumedConnections = Set<UInt64>()
    public var versions: [String: Int] = [:]
    public var flowLatencies: [String: Histogram<UInt64>] = [:]
    public var unanswered: [String: Int] = [:]
    public var gaps = 0
    public var gapBytes = 0
    public var streamErrors = 0
    public var skippedBytes = 0
    public var truncatedMessages = 0
    public var problems = 0
    public var firstTimestamp: CaptureTimestamp?
    public var lastTimestamp: CaptureTimestamp?

    public struct TopicCount: Sendable {
        public var messages = 0
        public var payloadBytes = 0

        mutating func add(payloadBytes: Int) {
            messages += 1
            self.payloadBytes += payloadBytes
        }
    }

    /// Topics tracked at most; beyond, new topics are counted together, so a capture with
    /// millions of distinct topics cannot exhaust memory.
    public static let maximumTopics = 100_000
    public var otherTopics = TopicCount()

    public init() {}

    mutating func record(_ message: DecodedMessage, flow: QoSFlowTracker.Kind?) {
        messagesByType[message.packet.type.name, default: 0] += 1
        if message.versionAssumed { assumedConnections.insert(message.connection.id) }
        if let client = message.clientID { clients[client, default: 0] += 1 }
        if !message.packet.problems.isEmpty || !message.notes.isEmpty { problems += 1 }
        if case .publish(let publish) = message.packet.body {
            let name = (message.aliasedTopic ?? publish.topic).text
            if topics.count < Self.maximumTopics || topics[name] != nil {
                topics[name, default: TopicCount()].add(payloadBytes: publish.payload.readableBytes)
            } else {
                otherTopics.messages += 1
                otherTopics.payloadBytes += publish.payload.readableBytes
            }
        }
        if let flow, let latency = message.latency {
            // Microseconds, from 1 µs to an hour; recorded in place (a histogram is tens of
            // kilobytes, and copying it per message dominated decoding).
            _ = flowLatencies[flow.rawValue, default: Histogram<UInt64>(highestTrackableValue: 3_600_000_000)].record(UInt64(max(latency, 0) * 1e6))
        }
        see(message.timestamp)
    }

    mutating func see(_ time: CaptureTimestamp) {
        if firstTimestamp.map({ time < $0 }) ?? true { firstTimestamp = time }
        if lastTimestamp.map({ time > $0 }) ?? true { lastTimestamp = time }
    }
}
