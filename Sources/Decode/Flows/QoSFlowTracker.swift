import Capture
import Wire

/// Pairs requests with their answers on one connection, per direction and packet id:
/// PUBLISH→PUBACK, PUBLISH→PUBREC→PUBREL→PUBCOMP, SUBSCRIBE→SUBACK, UNSUBSCRIBE→UNSUBACK,
/// PINGREQ→PINGRESP. An answer gets the time since its request; what is still open when the
/// connection ends is reported as unanswered.
struct QoSFlowTracker {
    /// The kinds of exchange, for statistics.
    enum Kind: String, CaseIterable, Sendable {
        case publishQoS1 = "PUBLISH QoS 1"
        case publishQoS2 = "PUBLISH QoS 2"
        case subscribe = "SUBSCRIBE"
        case unsubscribe = "UNSUBSCRIBE"
        case ping = "PINGREQ"
    }

    private struct Key {
        var direction: TCPDirection
        var packetID: UInt16
    }

    private struct Pending {
        var kind: Kind
        var awaiting: MQTTPacketType
        var since: CaptureTimestamp
    }

    /// Open exchanges keyed by the direction of the request and its packet id.
    private var pending = PacketIDTable<Pending>()
    private var pings: [TCPDirection: [CaptureTimestamp]] = [:]
    /// Bound per connection, so a client that never gets answers cannot grow this forever.
    static let maximumPending = 65_536

    /// A completed exchange.
    struct Completion {
        var kind: Kind
        var latency: Double
    }

    /// Feeds a message; returns the exchange it completes, if any, and a note when it answers
    /// nothing (only meaningful when the capture saw the connection start).
    mutating func observe(_ packet: borrowing MQTTPacket, direction: TCPDirection, at time: CaptureTimestamp) -> (Completion?, String?) {
        let peer = direction.reversed
        switch packet.body {
        case .publish(let publish):
            guard let id = publish.packetID, publish.qos.rawValue > 0 else { return (nil, nil) }
            let kind: Kind = publish.qos.rawValue == 1 ? .publishQoS1 : .publishQoS2
            // A DUP retransmission keeps the original send time.
            if publish.dup, pending[direction, id] != nil { return (nil, nil) }
            open(Key(direction: direction, packetID: id), Pending(kind: kind, awaiting: kind == .publishQoS1 ? .pubAck : .pubRec, since: time))
        case .pubAck(let ack):
            return answer(Key(direction: peer, packetID: ack.packetID), expecting: .pubAck, at: time, name: "PUBACK")
        case .pubRec(let ack):
            guard var open = pending[peer, ack.packetID], open.awaiting == .pubRec else { return (nil, unmatchedNote("PUBREC", ack.packetID)) }
            open.awaiting = .pubRel
            pending[peer, ack.packetID] = open
        case .pubRel(let ack):
            // PUBREL travels with the PUBLISH, from the original sender.
            guard var open = pending[direction, ack.packetID], open.awaiting == .pubRel else { return (nil, unmatchedNote("PUBREL", ack.packetID)) }
            open.awaiting = .pubComp
            pending[direction, ack.packetID] = open
        case .pubComp(let ack):
            return answer(Key(direction: peer, packetID: ack.packetID), expecting: .pubComp, at: time, name: "PUBCOMP")
        case .subscribe(let subscribe):
            open(Key(direction: direction, packetID: subscribe.packetID), Pending(kind: .subscribe, awaiting: .subAck, since: time))
        case .subAck(let ack):
            return answer(Key(direction: peer, packetID: ack.packetID), expecting: .subAck, at: time, name: "SUBACK")
        case .unsubscribe(let unsubscribe):
            open(Key(direction: direction, packetID: unsubscribe.packetID), Pending(kind: .unsubscribe, awaiting: .unsubAck, since: time))
        case .unsubAck(let ack):
            return answer(Key(direction: peer, packetID: ack.packetID), expecting: .unsubAck, at: time, name: "UNSUBACK")
        case .pingRequest:
            if pings[direction, default: []].count < Self.maximumPending { pings[direction, default: []].append(time) }
        case .pingResponse:
            guard let since = pings[peer]?.first else { return (nil, "PINGRESP with no PINGREQ seen") }
            pings[peer]?.removeFirst()
            return (Completion(kind: .ping, latency: time.seconds(since: since)), nil)
        default:
            break
        }
        return (nil, nil)
    }

    private mutating func open(_ key: Key, _ value: Pending) {
        guard pending.count < Self.maximumPending || pending[key.direction, key.packetID] != nil else { return }
        pending[key.direction, key.packetID] = value
    }

    private mutating func close(_ key: Key, expecting type: MQTTPacketType, at time: CaptureTimestamp) -> Completion? {
        guard let open = pending[key.direction, key.packetID], open.awaiting == type else { return nil }
        pending[key.direction, key.packetID] = nil
        return Completion(kind: open.kind, latency: time.seconds(since: open.since))
    }

    /// The completion for an answer, or a note that it answers nothing seen.
    private mutating func answer(_ key: Key, expecting type: MQTTPacketType, at time: CaptureTimestamp, name: String) -> (Completion?, String?) {
        if let done = close(key, expecting: type, at: time) { return (done, nil) }
        return (nil, unmatchedNote(name, key.packetID))
    }

    private func unmatchedNote(_ name: String, _ id: UInt16) -> String {
        "\(name) for packet id \(id) with no matching request seen"
    }

    /// What is still open, oldest first.
    func unanswered() -> [UnansweredFlow] {
        var flows: [UnansweredFlow] = pending.entries.map { direction, packetID, open in
            UnansweredFlow(
                request: open.kind == .subscribe ? "SUBSCRIBE" : open.kind == .unsubscribe ? "UNSUBSCRIBE" : "PUBLISH", packetID: packetID,
                qos: open.kind == .publishQoS1 ? 1 : open.kind == .publishQoS2 ? 2 : nil, awaiting: open.awaiting.name, direction: direction,
                since: open.since)
        }
        for (direction, times) in pings {
            flows += times.map { UnansweredFlow(request: "PINGREQ", packetID: nil, qos: nil, awaiting: "PINGRESP", direction: direction, since: $0) }
        }
        // Ties (requests in one segment) by direction and packet id: the table's order changes
        // from run to run, and two decodes of one file must print the same lines.
        return flows.sorted {
            ($0.since, $0.direction == .clientToServer ? 0 : 1, $0.packetID ?? 0) < ($1.since, $1.direction == .clientToServer ? 0 : 1, $1.packetID ?? 0)
        }
    }
}
