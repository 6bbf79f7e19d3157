import NIOCore
import Wire

/// Decodes both directions of one MQTT connection: carries the version from CONNECT to the
/// server's direction, resolves topic aliases per direction, pairs QoS flows, and after a gap
/// or a broken message finds the next message boundary instead of giving up on the stream.
// Stored properties are marked `@exclusivity(unchecked)`: this state is touched by one
// thread, never re-entrantly, and the runtime's dynamic exclusivity checks on class properties
// cost about a tenth of a large decode.
final class MQTTConnectionDecoder {
    let connection: TCPConnection
    @exclusivity(unchecked) private var decoders: [MQTTDecoder]
    @exclusivity(unchecked) private var buffers: [ByteBuffer]
    /// True while a direction lost its place (after a gap or a fatal error): bytes are kept
    /// until `MQTTFraming.resynchronize` finds a boundary.
    @exclusivity(unchecked) private var resyncing = [false, false]
    /// Bytes still to come of a packet refused as too large: dropped as they arrive, so the
    /// rest of a hostile 200 MB PUBLISH is neither buffered nor misread as packets.
    @exclusivity(unchecked) private var skipping = [OversizeSkip(), OversizeSkip()]
    /// Topic aliases, per direction (each side assigns its own).
    @exclusivity(unchecked) private var aliases: [[UInt16: MQTTString]] = [[:], [:]]
    @exclusivity(unchecked) private var flows = QoSFlowTracker()
    @exclusivity(unchecked) private(set) var clientID: String?
    /// Whether the capture saw the CONNECT (else acks may answer requests sent before it).
    @exclusivity(unchecked) private(set) var sawConnect = false
    @exclusivity(unchecked) private var releaseHeldServerData = false
    let maximumPacketSize: Int
    /// Bytes kept while looking for a boundary before the oldest are dropped.
    static let resyncWindow = 256 << 10

    /// `topics` is shared with the other connections decoded on this thread.
    init(connection: TCPConnection, maximumPacketSize: Int, sawStart: Bool, topics: MQTTStringTable) {
        self.connection = connection
        self.maximumPacketSize = maximumPacketSize
        holdServerUntilConnect = sawStart
        decoders = [MQTTDecoder(maximumPacketSize: maximumPacketSize, topics: topics), MQTTDecoder(maximumPacketSize: maximumPacketSize, topics: topics)]
        buffers = [ByteBuffer(), ByteBuffer()]
    }

    private static func index(_ direction: TCPDirection) -> Int { direction == .clientToServer ? 0 : 1 }

    /// Whether the server's bytes wait for the client's CONNECT: true when the capture saw the
    /// connection start, so the CONNECT is coming and says which version the server speaks.
    @exclusivity(unchecked) private var holdServerUntilConnect: Bool
    /// Beyond this much held server data the CONNECT is not coming; decode with an assumption.
    static let heldServerLimit = 64 << 10

    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        let skipped = skipping[side].append(bytes, to: &buffers[side])
        decoders[side].streamOffset += skipped
        if skipped > 0 && skipped == bytes.count { return }
        if direction == .serverToClient && holdServerUntilConnect && buffers[side].readableBytes < Self.heldServerLimit { return }
        if direction == .serverToClient { holdServerUntilConnect = false }
        if resyncing[side] && !resynchronize(side, direction, at: time, emit) { return }
        drain(side, direction, at: time, emit)
        if releaseHeldServerData {
            releaseHeldServerData = false
            drain(1, .serverToClient, at: time, emit)
        }
        // Keep the buffer from growing with consumed bytes.
        if buffers[side].readerIndex > 64 << 10 { buffers[side].discardReadBytes() }
    }

    private func drain(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        while buffers[side].readableBytes > 0 {
            // Unwrapped as it is returned: an optional kept in a variable was destroyed after
            // its payload moved out, through the runtime's generic path, per message.
            let packet: MQTTPacket
            do {
                guard let decoded = try decoders[side].decode(buffer: &buffers[side]) else { return }
                packet = decoded
            } catch {
                if let length = error.packetLength {
                    // The framing held: skip just this message (what is not here yet, as it
                    // comes) and go on.
                    let here = decoders[side].discard(length, from: &buffers[side])
                    skipping[side].start(length: length, here: here)
                    emit(.streamError(connection, direction, time, message: error.description, skippedBytes: length, .mqtt))
                    continue
                }
                emit(.streamError(connection, direction, time, message: error.description + "; looking for the next message", skippedBytes: nil, .mqtt))
                resyncing[side] = true
                if !resynchronize(side, direction, at: time, emit) { return }
                continue
            }
            emit(.message(describe(consume packet, direction, at: time)))
        }
    }

    /// Looks for the next believable message boundary; true when found (decoding resumes).
    private func resynchronize(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) -> Bool {
        let version = decoders[side].version
        if let offset = MQTTFraming.resynchronize(buffers[side], version: version, maximumPacketSize: maximumPacketSize) {
            if offset > 0 {
                decoders[side].discard(offset, from: &buffers[side])
                emit(.streamError(connection, direction, time, message: "resynchronised after skipping bytes", skippedBytes: offset, .mqtt))
            }
            resyncing[side] = false
            return true
        }
        if buffers[side].readableBytes > Self.resyncWindow {
            let dropped = buffers[side].readableBytes - Self.resyncWindow / 2
            decoders[side].discard(dropped, from: &buffers[side])
            buffers[side].discardReadBytes()
        }
        return false
    }

    /// Bytes the capture never saw: what is buffered of a message is reported as truncated,
    /// and the direction looks for the next boundary.
    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        let wasSkipping = skipping[side].isActive
        if skipping[side].absorbs(gap: missing) {
            // The gap lies inside a packet being skipped, whose end is known.
            decoders[side].streamOffset += missing
            emit(.gap(connection, direction, missingBytes: missing, time, .mqtt))
            return
        }
        if !wasSkipping, !resyncing[side], buffers[side].readableBytes > 0 { reportPartial(side, direction, at: time, emit) }
        decoders[side].discard(buffers[side].readableBytes, from: &buffers[side])
        buffers[side].discardReadBytes()
        resyncing[side] = true
        emit(.gap(connection, direction, missingBytes: missing, time, .mqtt))
    }

    /// The connection ended: a partial message left over is truncated; open flows unanswered.
    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        if holdServerUntilConnect {
            holdServerUntilConnect = false
            drain(1, .serverToClient, at: time, emit)
        }
        for direction in [TCPDirection.clientToServer, .serverToClient] {
            let side = Self.index(direction)
            if !resyncing[side], buffers[side].readableBytes > 0 { reportPartial(side, direction, at: time, emit) }
        }
        for flow in flows.unanswered() { emit(.unanswered(connection, flow)) }
    }

    /// What can be read of a message cut short: its type, declared length, and a PUBLISH's topic.
    private func reportPartial(_ side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let buffer = buffers[side]
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let type = MQTTPacketType(rawValue: first >> 4),
            let length = try? MQTTFraming.remainingLength(in: buffer)
        else { return }
        let declared = 1 + length.byteCount + length.value
        var topic: String?
        if type == .publish, let topicLength = buffer.getInteger(at: buffer.readerIndex + 1 + length.byteCount, as: UInt16.self),
            let bytes = buffer.getBytes(at: buffer.readerIndex + 3 + length.byteCount, length: Int(topicLength))
        {
            topic = String(decoding: bytes, as: UTF8.self)
        }
        emit(.truncated(connection, direction, time, type: type.name, declaredLength: declared, capturedLength: buffer.readableBytes, topic: topic, .mqtt))
    }

    /// Adds the connection's context to a decoded packet.
    private func describe(_ packet: consuming MQTTPacket, _ direction: TCPDirection, at time: CaptureTimestamp) -> DecodedMessage {
        let side = Self.index(direction)
        var notes: [String] = []
        var aliasedTopic: MQTTString?
        var alias: UInt16?
        switch packet.body {
        case .publish(let publish):
            if case .twoByteInteger(let value)? = publish.properties[.topicAlias] {
                alias = value
                if publish.topic.isEmpty {
                    if let known = aliases[side][value] {
                        aliasedTopic = known
                    } else {
                        notes.append("topic alias \(value) was never set on this connection")
                    }
                } else {
                    aliases[side][value] = publish.topic
                }
            }
        case .connect(let connect):
            sawConnect = true
            clientID = connect.clientID.text
            // The server answers in the version the client asked for.
            if let version = connect.version ?? decoders[side].version {
                decoders[1 - side].version = version
            }
            releaseHeldServerData = holdServerUntilConnect
            holdServerUntilConnect = false
        case .connAck(let ack):
            // A client that sent an empty id gets one from an MQTT 5 server: it names the client from here on.
            if clientID?.isEmpty ?? false, case .utf8String(let assigned)? = ack.properties[.assignedClientIdentifier] {
                clientID = assigned.text
            }
        default:
            break
        }
        let (completion, unmatched) = flows.observe(packet, direction: direction, at: time)
        if let unmatched, sawConnect { notes.append(unmatched) }
        let decoder = decoders[side]
        return DecodedMessage(
            timestamp: time, connection: connection, direction: direction, packet: packet, clientID: clientID,
            version: decoder.effectiveVersion, versionAssumed: decoder.isVersionAssumed, aliasedTopic: aliasedTopic, topicAlias: alias,
            latency: completion?.latency, notes: notes)
    }

    /// The flow kind a message completed, for statistics.
    static func completedKind(of message: DecodedMessage) -> QoSFlowTracker.Kind? {
        guard message.latency != nil else { return nil }
        switch message.packet.body {
        case .pubAck: return .publishQoS1
        case .pubComp: return .publishQoS2
        case .subAck: return .subscribe
        case .unsubAck: return .unsubscribe
        case .pingResponse: return .ping
        default: return nil
        }
    }
}
