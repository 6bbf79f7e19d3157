import NIOCore
import Wire

/// Decodes both directions of one CMP connection: remembers who logged in, pairs requests with
/// their answers, and after a gap or a broken message finds the next message boundary instead
/// of giving up on the stream (as `MQTTConnectionDecoder` does for MQTT).
///
/// Memory per direction is bounded like MQTT's: a message is buffered until it is whole, and
/// `CMPDecoder` refuses one over `maximumMessageSize` as soon as its header is in; that
/// message's bytes are then dropped as they arrive, never buffered; while looking for a
/// boundary at most `resyncWindow` bytes are kept.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly (as in MQTTConnectionDecoder).
final class CMPConnectionDecoder {
    let connection: TCPConnection
    /// One decoder for both directions: a `CMPDecoder` keeps no state but its size limit, the
    /// buffers below are each direction's state.
    @exclusivity(unchecked) private var decoder: CMPDecoder
    @exclusivity(unchecked) private var buffers: [ByteBuffer]
    /// True while a direction lost its place (after a gap or a fatal error): bytes are kept
    /// until `CMPFraming.resynchronize` finds a boundary.
    @exclusivity(unchecked) private var resyncing = [false, false]
    /// Bytes dropped while looking for a boundary (beyond the window), reported when found.
    @exclusivity(unchecked) private var droppedWhileResyncing = [0, 0]
    /// Bytes still to come of a message refused as too large: dropped as they arrive.
    @exclusivity(unchecked) private var skipping = [OversizeSkip(), OversizeSkip()]
    @exclusivity(unchecked) private var flows = CMPFlowTracker()
    /// The LOGIN's user and device, once seen.
    @exclusivity(unchecked) private(set) var user: String?
    @exclusivity(unchecked) private(set) var device: String?
    @exclusivity(unchecked) private(set) var sawLogin = false
    /// Whether the capture saw the connection start (its SYN): then anything before LOGIN is
    /// a client's mistake, not the capture's.
    let sawStart: Bool
    /// Bytes kept while looking for a boundary before the oldest are dropped.
    static let resyncWindow = 256 << 10

    init(connection: TCPConnection, maximumMessageSize: Int, sawStart: Bool) {
        self.connection = connection
        self.sawStart = sawStart
        decoder = CMPDecoder(maximumMessageSize: maximumMessageSize)
        buffers = [ByteBuffer(), ByteBuffer()]
    }

    private static func index(_ direction: TCPDirection) -> Int { direction == .clientToServer ? 0 : 1 }

    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        let skipped = skipping[side].append(bytes, to: &buffers[side])
        if skipped > 0 && skipped == bytes.count { return }
        if resyncing[side] && !resynchronize(side, direction, at: time, emit) { return }
        drain(side, direction, at: time, emit)
        // Keep the buffer from growing with consumed bytes.
        if buffers[side].readerIndex > 64 << 10 { buffers[side].discardReadBytes() }
    }

    private func drain(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        while buffers[side].readableBytes > 0 {
            let frame: CMPFrame?
            do {
                frame = try decoder.decode(buffer: &buffers[side])
            } catch {
                if let length = error.messageLength {
                    // The framing held: skip just this message (what is not here yet, as it
                    // comes) and go on.
                    let here = min(length, buffers[side].readableBytes)
                    buffers[side].moveReaderIndex(forwardBy: here)
                    skipping[side].start(length: length, here: here)
                    emit(.streamError(connection, direction, time, message: error.description, skippedBytes: length, .cmp))
                    continue
                }
                emit(.streamError(connection, direction, time, message: error.description + "; looking for the next message", skippedBytes: nil, .cmp))
                resyncing[side] = true
                if !resynchronize(side, direction, at: time, emit) { return }
                continue
            }
            guard let frame else { return }
            emit(.cmpMessage(describe(frame, direction, at: time)))
        }
    }

    /// Looks for the next believable message boundary; true when found (decoding resumes).
    private func resynchronize(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) -> Bool {
        if let offset = CMPFraming.resynchronize(buffers[side], maximumMessageSize: decoder.maximumMessageSize) {
            let skipped = offset + droppedWhileResyncing[side]
            if skipped > 0 {
                buffers[side].moveReaderIndex(forwardBy: offset)
                emit(.streamError(connection, direction, time, message: "resynchronised after skipping bytes", skippedBytes: skipped, .cmp))
            }
            resyncing[side] = false
            droppedWhileResyncing[side] = 0
            return true
        }
        if buffers[side].readableBytes > Self.resyncWindow {
            let dropped = buffers[side].readableBytes - Self.resyncWindow / 2
            buffers[side].moveReaderIndex(forwardBy: dropped)
            buffers[side].discardReadBytes()
            droppedWhileResyncing[side] += dropped
        }
        return false
    }

    /// Bytes the capture never saw: what is buffered of a message is reported as truncated,
    /// and the direction looks for the next boundary, unless the gap lies inside a message
    /// being skipped, whose end is known.
    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        let wasSkipping = skipping[side].isActive
        if skipping[side].absorbs(gap: missing) {
            emit(.gap(connection, direction, missingBytes: missing, time, .cmp))
            return
        }
        if !wasSkipping, !resyncing[side], buffers[side].readableBytes > 0 { reportPartial(side, direction, at: time, emit) }
        buffers[side].moveReaderIndex(to: buffers[side].writerIndex)
        buffers[side].discardReadBytes()
        resyncing[side] = true
        emit(.gap(connection, direction, missingBytes: missing, time, .cmp))
    }

    /// The connection ended: a partial message left over is truncated; open requests are
    /// unanswered.
    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            let side = Self.index(direction)
            if !resyncing[side], buffers[side].readableBytes > 0 { reportPartial(side, direction, at: time, emit) }
        }
        for flow in flows.unanswered() { emit(.unanswered(connection, flow)) }
    }

    /// What can be read of a message cut short: its type, declared length, and a SEND's recipient.
    private func reportPartial(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let buffer = buffers[side]
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let type = CMPMessageType(rawValue: first >> 4),
            let declared = decoder.awaitedMessageLength(in: buffer)
        else { return }
        var recipient: String?
        if type == .send {
            // The header is 1 byte plus a varint of 1 to 4; the body starts with a u32 id.
            var headerLength = 2
            while headerLength < 5, let byte = buffer.getInteger(at: start + headerLength - 1, as: UInt8.self), byte & 0x80 != 0 { headerLength += 1 }
            if let length = buffer.getInteger(at: start + headerLength + 4, as: UInt16.self),
                let bytes = buffer.getBytes(at: start + headerLength + 6, length: Int(length))
            {
                recipient = String(decoding: bytes, as: UTF8.self)
            }
        }
        emit(.truncated(connection, direction, time, type: type.name, declaredLength: declared, capturedLength: buffer.readableBytes, topic: recipient, .cmp))
    }

    /// Adds the connection's context to a decoded message.
    private func describe(_ frame: CMPFrame, _ direction: TCPDirection, at time: CaptureTimestamp) -> DecodedCMPMessage {
        let type = frame.message.type
        var notes: [String] = []
        if type.isSentByClient != (direction == .clientToServer) {
            notes.append("\(type.name) is sent by the \(type.isSentByClient ? "client" : "server") but travels \(direction == .clientToServer ? "client to server" : "server to client")")
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
