import Capture
import NIOCore
import Wire

/// The CMP session of one connection: remembers who logged in and pairs requests with their
/// answers. Framing, skipping and resynchronisation are each direction's `DirectionDecoder`.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly (as in MQTTConnectionDecoder).
final class CMPConnectionDecoder {
    let connection: TCPConnection
    /// Each direction's bytes and decoder (client to server first).
    @exclusivity(unchecked) private var directions: [DirectionDecoder<CMPDecoder>]
    @exclusivity(unchecked) private var flows = CMPFlowTracker()
    /// The LOGIN's user and device, once seen.
    @exclusivity(unchecked) private(set) var user: String?
    @exclusivity(unchecked) private(set) var device: String?
    @exclusivity(unchecked) private(set) var sawLogin = false
    /// Whether the capture saw the connection start (its SYN): then anything before LOGIN is
    /// a client's mistake, not the capture's.
    let sawStart: Bool

    init(connection: TCPConnection, maximumMessageSize: Int, sawStart: Bool) {
        self.connection = connection
        self.sawStart = sawStart
        let decoder = CMPDecoder(maximumMessageSize: maximumMessageSize)
        directions = [DirectionDecoder(decoder), DirectionDecoder(decoder)]
    }

    private static func index(_ direction: TCPDirection) -> Int { direction == .clientToServer ? 0 : 1 }

    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        guard directions[side].append(bytes) else { return }
        while true {
            if let frame = directions[side].next() {
                emit(.cmpMessage(describe(frame, direction, at: time)))
            } else if let problem = directions[side].takeProblem() {
                emit(problem.event(connection, direction, at: time, .cmp))
            } else {
                break
            }
        }
        directions[side].compact()
    }

    /// Bytes the capture never saw: what is buffered of a message is reported as truncated,
    /// and the direction looks for the next boundary, unless the gap lies inside a message
    /// being skipped, whose end is known.
    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        directions[Self.index(direction)].gap(missing, connection, direction, at: time, .cmp, emit)
    }

    /// The connection ended: a partial message left over is truncated; open requests are
    /// unanswered.
    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            if let cut = directions[Self.index(direction)].leftover { emit(cut.truncatedEvent(connection, direction, at: time, .cmp)) }
        }
        for flow in flows.unanswered() { emit(.unanswered(connection, flow)) }
    }

    /// Adds the connection's context to a decoded message.
    private func describe(_ frame: CMPFrame, _ direction: TCPDirection, at time: CaptureTimestamp) -> DecodedCMPMessage {
        let type = frame.message.type
        var notes: [String] = []
        if type.isSentByClient != (direction == .clientToServer) {
            notes.append(
                "\(type.name) is sent by the \(type.isSentByClient ? "client" : "server") but travels \(direction == .clientToServer ? "client to server" : "server to client")"
            )
        }
        if case .login(let login) = frame.message {
            if sawLogin { notes.append("a second LOGIN on this connection") }
            sawLogin = true
            user = login.user
            device = login.device
        } else if sawStart, !sawLogin, type.isSentByClient {
            notes.append("\(type.name) before LOGIN")
        }
        let (latency, unmatched) = flows.observe(frame.message, direction: direction, at: time)
        if let unmatched, sawLogin { notes.append(unmatched) }
        return DecodedCMPMessage(
            timestamp: time, connection: connection, direction: direction, frame: frame, user: user, device: device, latency: latency,
            notes: notes)
    }
}
