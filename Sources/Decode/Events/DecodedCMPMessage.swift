import Capture
import Wire

/// One CMP message read from a capture, with its connection's context: who logged in on it,
/// and, for an answer, how long after its request it came.
public struct DecodedCMPMessage: Sendable {
    public var timestamp: CaptureTimestamp
    public var connection: TCPConnection
    public var direction: TCPDirection
    /// The message, its length on the wire and the codec's problems.
    public var frame: CMPFrame
    /// The user and device of the connection's LOGIN, when the capture saw it.
    public var user: String?
    public var device: String?
    /// For LOGIN_ACK, SEND_ACK, DELIVER_ACK and PONG: seconds since the request they answer.
    public var latency: Double?
    /// Problems found by the session (an ack for nothing seen, a message travelling the wrong
    /// way, a SEND before LOGIN) beyond the codec's.
    public var notes: [String]

    public var message: CMPMessage { frame.message }
    public var source: Endpoint { direction == .clientToServer ? connection.client : connection.server }
    public var destination: Endpoint { direction == .clientToServer ? connection.server : connection.client }
}
