import Capture
import Histogram
import Wire

/// The summary `decode --stats` prints: what the capture held, who talked, what was lost.
public struct DecodeStatistics: Sendable {
    /// Messages by MQTT packet type.
    public var messagesByType: [String: Int] {
        var byName: [String: Int] = [:]
        for (type, count) in countsByType.enumerated() where count > 0 {
            byName[MQTTPacketType(rawValue: UInt8(type))?.name ?? "reserved \(type)", default: 0] += count
        }
        return byName
    }

    /// Messages per client id (the CONNECT's), for connections whose CONNECT was captured.
    public var clients: [String: Int] {
        guard let lastClient else { return clientCounts }
        var all = clientCounts
        all[lastClient, default: 0] += lastClientCount
        return all
    }

    /// PUBLISHes and their payload bytes per topic.
    public var topics: [String: TopicCount] {
        var byText: [String: TopicCount] = [:]
        for (key, count) in topicCounts {
            byText[key.topic.text, default: TopicCount()].add(count)
        }
        return byText
    }

    // What a message updates, kept so that counting one hashes no String: a 16-entry array by
    // type number; the last client's count apart (the messages of a connection come in runs);
    // topics by their bytes, hashed at once (no String made per PUBLISH).
    private var countsByType = [Int](repeating: 0, count: 16)
    private var clientCounts: [String: Int] = [:]
    private var lastClient: String?
    private var lastClientCount = 0
    private var topicCounts: [TopicKey: TopicCount] = [:]

    /// A topic as a dictionary key: its bytes hashed in one call (an array hashes byte by byte).
    struct TopicKey: Hashable {
        let topic: MQTTString

        static func == (a: TopicKey, b: TopicKey) -> Bool { a.topic.bytes == b.topic.bytes }

        func hash(into hasher: inout Hasher) {
            topic.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
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
        /// The stream event of the topic's first message (`sequence`), to merge shards' counts
        /// as one decode would have counted them.
        var firstSeen = Int.max

        mutating func add(payloadBytes: Int) {
            messages += 1
            self.payloadBytes += payloadBytes
        }

        mutating func add(_ other: TopicCount) {
            messages += other.messages
            payloadBytes += other.payloadBytes
            firstSeen = min(firstSeen, other.firstSeen)
        }
    }

    /// Topics tracked at most by default; beyond, new topics are counted together, so a capture
    /// with millions of distinct topics cannot exhaust memory.
    public static let maximumTopics = 100_000
    /// Topics tracked at most here (the first ones seen).
    public let topicLimit: Int
    public var otherTopics = TopicCount()
    /// Where the message being counted stands in the capture: the number of its stream event,
    /// then its place among that event's messages. A topic's first message is marked with it.
    private var sequence = 0

    public init(topicLimit: Int = DecodeStatistics.maximumTopics) {
        self.topicLimit = max(topicLimit, 0)
    }

    mutating func record(_ message: DecodedMessage, flow: QoSFlowTracker.Kind?) {
        countsByType[Int(message.packet.type.rawValue & 0xF)] += 1
        if message.versionAssumed { assumedConnections.insert(message.connection.id) }
        if let client = message.clientID { count(client) }
        if !message.packet.problems.isEmpty || !message.notes.isEmpty { problems += 1 }
        if case .publish(let publish) = message.packet.body {
            let key = TopicKey(topic: message.aliasedTopic ?? publish.topic)
            if topicCounts.count < topicLimit || topicCounts[key] != nil {
                topicCounts[key, default: TopicCount(firstSeen: sequence)].add(payloadBytes: publish.payload.readableBytes)
                sequence += 1
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

    /// A stream event begins: the number of it among the capture's events.
    mutating func startEvent(_ number: Int) {
        sequence = number << 32
    }

    private mutating func count(_ client: String) {
        if client == lastClient {
            lastClientCount += 1
            return
        }
        if let lastClient { clientCounts[lastClient, default: 0] += lastClientCount }
        lastClient = client
        lastClientCount = 1
    }

    mutating func see(_ time: CaptureTimestamp) {
        if firstTimestamp.map({ time < $0 }) ?? true { firstTimestamp = time }
        if lastTimestamp.map({ time > $0 }) ?? true { lastTimestamp = time }
    }
}

extension DecodeStatistics {
    /// The statistics of decodes that shared out one capture's connections (`ShardedDecode`), as
    /// one decode of the whole would have counted them. Topics: each part tracked its first
    /// `topicLimit` topics, so the whole's first ones (by the stream event of their first
    /// message) are tracked, with every message, in every part that saw them; they stay
    /// tracked, and the rest count as other topics.
    static func merged(_ parts: [DecodeStatistics]) -> DecodeStatistics {
        var whole = DecodeStatistics(topicLimit: parts.first?.topicLimit ?? DecodeStatistics.maximumTopics)
        var topics: [TopicKey: TopicCount] = [:]
        for part in parts {
            for (type, count) in part.countsByType.enumerated() { whole.countsByType[type] += count }
            whole.clientCounts.merge(part.clients, uniquingKeysWith: +)
            for (key, count) in part.topicCounts { topics[key, default: TopicCount()].add(count) }
            whole.otherTopics.add(part.otherTopics)
            whole.mqttConnections += part.mqttConnections
            whole.webSocketConnections += part.webSocketConnections
            whole.webSocketCloses.merge(part.webSocketCloses, uniquingKeysWith: +)
            whole.cmp.merge(part.cmp)
            whole.assumedConnections.formUnion(part.assumedConnections)
            whole.versions.merge(part.versions, uniquingKeysWith: +)
            for (kind, histogram) in part.flowLatencies {
                if whole.flowLatencies[kind] == nil { whole.flowLatencies[kind] = histogram } else { whole.flowLatencies[kind]!.add(histogram) }
            }
            whole.unanswered.merge(part.unanswered, uniquingKeysWith: +)
            whole.gaps += part.gaps
            whole.gapBytes += part.gapBytes
            whole.streamErrors += part.streamErrors
            whole.skippedBytes += part.skippedBytes
            whole.truncatedMessages += part.truncatedMessages
            whole.problems += part.problems
            if let first = part.firstTimestamp { whole.see(first) }
            if let last = part.lastTimestamp { whole.see(last) }
        }
        let kept = topics.sorted { $0.value.firstSeen < $1.value.firstSeen }
        for (index, (key, count)) in kept.enumerated() {
            if index < whole.topicLimit { whole.topicCounts[key] = count } else { whole.otherTopics.add(count) }
        }
        return whole
    }
}
