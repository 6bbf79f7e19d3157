import Wire

/// One protocol message read from a capture, with the connection context it needs to be
/// understood: who the client is, which version it speaks, what a topic alias stood for, and
/// how long the peer took to answer.
public struct DecodedMessage: Sendable {
    public var timestamp: CaptureTimestamp
    public var connection: TCPConnection
    public var direction: TCPDirection
    public var packet: MQTTPacket
    /// The client id from the connection's CONNECT, when the capture saw it.
    public var clientID: String?
    public var version: MQTTVersion
    /// True when the capture started after CONNECT, so the version is a stated assumption.
    public var versionAssumed: Bool
    /// For a PUBLISH: the topic, with a topic alias resolved (MQTT 5).
    public var topic: MQTTString?
    /// For a PUBLISH that used a topic alias: the alias.
    public var topicAlias: UInt16?
    /// For a message that completes a QoS flow (PUBACK, PUBCOMP, SUBACK, UNSUBACK, PINGRESP):
    /// seconds since the request.
    public var latency: Double?
    /// Problems found by the session (unknown alias, unmatched ack) beyond the codec's.
    public var notes: [String]

    public var source: Endpoint { direction == .clientToServer ? connection.client : connection.server }
    public var destination: Endpoint { direction == .clientToServer ? connection.server : connection.client }
}

/// Everything a decode reports, in capture order.
public enum DecodeEvent: Sendable {
    case message(DecodedMessage)
    /// Bytes the capture never saw (loss, a small snaplen): decoding resumes after them.
    case gap(TCPConnection, TCPDirection, missingBytes: Int, CaptureTimestamp)
    /// A message that could not be decoded; `skippedBytes` were passed over to find the next
    /// message boundary (nil: the rest of the stream is skipped).
    case streamError(TCPConnection, TCPDirection, CaptureTimestamp, message: String, skippedBytes: Int?)
    /// A message cut short (snaplen, or a gap in its middle): what could be read of it.
    case truncated(TCPConnection, TCPDirection, CaptureTimestamp, type: String, declaredLength: Int, capturedLength: Int, topic: String?)
    /// A request the capture never saw answered.
    case unanswered(TCPConnection, UnansweredFlow)
}

/// A QoS or keep-alive exchange left open when its connection ended.
public struct UnansweredFlow: Sendable, Equatable {
    /// `PUBLISH`, `SUBSCRIBE`, `UNSUBSCRIBE`, `PINGREQ`.
    public var request: String
    public var packetID: UInt16?
    public var qos: UInt8?
    /// What was still awaited: `PUBACK`, `PUBREC`, `PUBREL`, `PUBCOMP`, `SUBACK`, ...
    public var awaiting: String
    public var direction: TCPDirection
    public var since: CaptureTimestamp
}
