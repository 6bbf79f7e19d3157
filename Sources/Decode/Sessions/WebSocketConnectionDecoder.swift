import Capture
import Wire

/// A connection that opened with an HTTP upgrade to WebSocket: MQTT over WebSocket, or CMP on
/// the CM's `ws://` listener.
///
/// The pipeline reads the client's upgrade request (it is how the connection is recognised);
/// the server's answer is read here, then each direction's frames (`WebSocketFrameReader`, with the
/// rules of the CM's frame decoder). The data of binary and text frames, continuations
/// included, is the byte stream of the protocol inside (MQTT and CMP both let a message span
/// frames, or a frame hold several), handed to that protocol's decoder as it arrives, as the
/// CM's `WebSocketBridge` hands it to its handlers. Ping and pong are not reported (they
/// are liveness, not conversation); a CLOSE is, with its code and reason.
///
/// The protocol inside is the subprotocol the server chose or the client offered (`mqtt`,
/// `mqttv3.1`, `cmp`); without one, the client's first data decides, as on a bare stream.
/// Frame boundaries cannot be found again after lost bytes, so a gap or a broken frame ends
/// the decoding of that direction (reported); the other direction goes on.
final class WebSocketConnectionDecoder {
    /// The connection, marked as carried over WebSocket: every event of it says so.
    let connection: TCPConnection
    private let maximumMessageSize: Int
    /// For an MQTT decoder inside: the topics of the thread's connections.
    private let topics: StringInterner
    /// Called once, when the protocol inside is known.
    private let decided: (DecodedProtocol) -> Void
    private(set) var inner: ConnectionDecoder?
    /// The server's HTTP answer, while it is incomplete.
    private var response: [UInt8] = []
    /// Each direction's frame reader, from the end of its HTTP head.
    private var readers: [WebSocketFrameReader?]
    /// Directions whose frames can no longer be found: their bytes are skipped.
    private var lost = [false, false]
    /// Frame data that came before the protocol inside was known.
    private var early: [[UInt8]] = [[], []]
    /// The subprotocols the client offered.
    private let offered: [String]
    /// Data held waiting for the protocol inside before the connection is given up.
    static let earlyLimit = 64 << 10

    /// After the client's upgrade `request`: its frames follow; one subprotocol known to cmtune
    /// among those offered decides the protocol inside at once.
    init(
        connection: TCPConnection, request: WebSocketHandshake.Request, maximumMessageSize: Int, topics: StringInterner,
        at time: CaptureTimestamp, decided: @escaping (DecodedProtocol) -> Void
    ) {
        self.topics = topics
        var connection = connection
        connection.overWebSocket = true
        self.connection = connection
        self.maximumMessageSize = maximumMessageSize
        self.decided = decided
        offered = request.subprotocols
        readers = [WebSocketFrameReader(maximumFrameSize: maximumMessageSize), nil]
        let known = offered.compactMap(Self.protocolNamed)
        if known.count == 1 { decide(known[0], at: time) { _ in } }
    }

    /// The protocol inside, or the best guess while it is not known, for the events about it.
    var proto: DecodedProtocol { inner?.proto ?? (offered.contains("cmp") ? .cmp : .mqtt) }

    private static func index(_ direction: TCPDirection) -> Int { direction == .clientToServer ? 0 : 1 }

    func receive(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        guard !lost[side] else { return }
        if readers[side] != nil {
            unframe(bytes, direction, at: time, emit)
        } else {
            readResponse(bytes, at: time, emit)
        }
    }

    func gap(_ missing: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        guard !lost[side] else { return }
        if let inner {
            inner.gap(missing, direction, at: time, emit)
        } else {
            emit(.gap(connection, direction, missingBytes: missing, time, proto))
        }
        give(up: side, direction, at: time, "WebSocket frame boundaries were lost in the gap: the rest of this direction is not decoded", emit)
    }

    func close(at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        inner?.close(at: time, emit)
        readers = [nil, nil]
    }

    /// The server's answer: 101 accepts the upgrade (and may name the subprotocol), anything else refuses it.
    private func readResponse(_ bytes: ArraySlice<UInt8>, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        response += bytes
        guard let length = WebSocketHandshake.headLength(response[...]) else {
            if response.count > WebSocketHandshake.maximumHeadLength {
                give(up: 1, .serverToClient, at: time, "no end of the HTTP head in its first \(WebSocketHandshake.maximumHeadLength) bytes", emit)
            }
            return
        }
        let rest = response[length...]
        guard let answer = WebSocketHandshake.response(response[..<length]) else {
            return give(up: 1, .serverToClient, at: time, "the server's answer to the WebSocket upgrade is not HTTP", emit)
        }
        if answer.status == 100 {
            // An interim answer: the real one follows.
            response = Array(rest)
            return readResponse([], at: time, emit)
        }
        guard answer.status == 101 else {
            give(up: 0, .clientToServer, at: time, "the server refused the WebSocket upgrade (HTTP \(answer.status))", emit)
            lost[1] = true
            return
        }
        if inner == nil, let chosen = answer.subprotocol.flatMap(Self.protocolNamed) { decide(chosen, at: time, emit) }
        response = []
        readers[1] = WebSocketFrameReader(maximumFrameSize: maximumMessageSize)
        if !rest.isEmpty { unframe(rest, .serverToClient, at: time, emit) }
    }

    private func unframe(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        // Out of its slot while reading: what the pieces lead to (a decision, giving up) may
        // touch the slots.
        guard var reader = readers[side] else { return }
        readers[side] = nil
        defer { if !lost[side] { readers[side] = reader } }
        do {
            try reader.read(bytes) { piece in
                guard !lost[side] else { return }
                switch piece {
                case .frame(let opcode, _, let reserved, _, _) where (opcode == 0x1 || opcode == 0x2) && reserved & 0b100 != 0:
                    // RSV1 on a message's first frame: compressed (RFC 7692). The bytes inside are
                    // deflate, not MQTT or CMP; say so rather than misread them.
                    give(
                        up: side, direction, at: time,
                        "WebSocket message compressed with permessage-deflate (RSV1 set), which cmtune does not inflate: the rest of this direction is not decoded",
                        emit)
                case .data(let data):
                    deliver(data, direction, at: time, emit)
                case .control(opcode: 0x8, let payload):
                    let code = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                    let reason = String(decoding: payload.dropFirst(2), as: UTF8.self)
                    emit(.webSocketClose(connection, direction, time, code: code, reason: reason, proto))
                case .frame, .control:
                    break  // ping and pong are liveness, not conversation
                }
            }
        } catch {
            give(up: side, direction, at: time, "\(error): the rest of this direction is not decoded", emit)
        }
    }

    /// Frame data: to the decoder inside, or held until the client's first bytes say which.
    private func deliver(_ data: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        if let inner {
            inner.receive(data, direction, at: time, emit)
            return
        }
        let side = Self.index(direction)
        early[side] += data
        switch ContentDetection.classify(Array(early[0].prefix(64))) {
        case .mqtt: decide(.mqtt, at: time, emit)
        case .cmp: decide(.cmp, at: time, emit)
        case .needMore where early[side].count <= Self.earlyLimit:
            break
        case .neither where early[0].isEmpty && early[1].count <= Self.earlyLimit:
            break  // the server spoke first: wait for the client
        default:
            give(up: side, direction, at: time, "the WebSocket data is neither MQTT nor CMP", emit)
            lost = [true, true]
            early = [[], []]
        }
    }

    private func decide(_ kind: DecodedProtocol, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let decoder: ConnectionDecoder
        switch kind {
        case .mqtt: decoder = .mqtt(MQTTConnectionDecoder(connection: connection, maximumPacketSize: maximumMessageSize, sawStart: true, topics: topics))
        case .cmp: decoder = .cmp(CMPConnectionDecoder(connection: connection, maximumMessageSize: maximumMessageSize, sawStart: true))
        }
        inner = decoder
        decided(kind)
        // What came early, the client's first: its CONNECT or LOGIN says what the server's bytes mean.
        for direction in [TCPDirection.clientToServer, .serverToClient] where !early[Self.index(direction)].isEmpty {
            let held = early[Self.index(direction)]
            early[Self.index(direction)] = []
            decoder.receive(held[...], direction, at: time, emit)
        }
    }

    private func give(up side: Int, _ direction: TCPDirection, at time: CaptureTimestamp, _ problem: String, _ emit: (DecodeEvent) -> Void) {
        lost[side] = true
        readers[side] = nil
        if side == 1 { response = [] }
        emit(.streamError(connection, direction, time, message: problem, skippedBytes: nil, proto))
    }

    /// The protocol a WebSocket subprotocol name stands for.
    private static func protocolNamed(_ name: String) -> DecodedProtocol? {
        switch name.lowercased() {
        case "mqtt", "mqttv3.1": return .mqtt
        case "cmp": return .cmp
        default: return nil
        }
    }
}
