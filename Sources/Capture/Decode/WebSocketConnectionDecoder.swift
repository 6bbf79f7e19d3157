import Wire

/// A connection that opened with an HTTP upgrade to WebSocket: MQTT over WebSocket, or CMP on
/// the CM's `ws://` listener.
///
/// Each direction's HTTP head is read first, then its frames (`WebSocketFrameReader`, with the
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
    /// Called once, when the protocol inside is known.
    private let decided: (DecodedProtocol) -> Void
    private(set) var inner: ConnectionDecoder?
    /// The HTTP head of each direction, while it is incomplete.
    private var heads: [[UInt8]] = [[], []]
    /// Each direction's frame reader, from the end of its HTTP head.
    private var readers: [WebSocketFrameReader?] = [nil, nil]
    /// Directions whose frames can no longer be found: their bytes are skipped.
    private var lost = [false, false]
    /// Frame data that came before the protocol inside was known.
    private var early: [[UInt8]] = [[], []]
    private var offered: [String] = []
    /// Data held waiting for the protocol inside before the connection is given up.
    static let earlyLimit = 64 << 10

    init(connection: TCPConnection, maximumMessageSize: Int, decided: @escaping (DecodedProtocol) -> Void) {
        var connection = connection
        connection.overWebSocket = true
        self.connection = connection
        self.maximumMessageSize = maximumMessageSize
        self.decided = decided
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
            readHead(bytes, direction, at: time, emit)
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

    private func readHead(_ bytes: ArraySlice<UInt8>, _ direction: TCPDirection, at time: CaptureTimestamp, _ emit: (DecodeEvent) -> Void) {
        let side = Self.index(direction)
        heads[side] += bytes
        guard let length = WebSocketHandshake.headLength(heads[side][...]) else {
            if heads[side].count > WebSocketHandshake.maximumHeadLength {
                give(up: side, direction, at: time, "no end of the HTTP head in its first \(WebSocketHandshake.maximumHeadLength) bytes", emit)
            }
            return
        }
        let head = heads[side][..<length]
        let rest = heads[side][length...]
        if direction == .clientToServer {
            guard let request = WebSocketHandshake.request(head) else {
                return give(up: side, direction, at: time, "the client's HTTP request is not a WebSocket upgrade", emit)
            }
            offered = request.subprotocols
            let known = offered.compactMap(Self.protocolNamed)
            if known.count == 1 { decide(known[0], at: time, emit) }
        } else {
            guard let response = WebSocketHandshake.response(head) else {
                return give(up: side, direction, at: time, "the server's answer to the WebSocket upgrade is not HTTP", emit)
            }
            if response.status == 100 {
                // An interim answer: the real one follows.
                heads[side] = Array(rest)
                return readHead([], direction, at: time, emit)
            }
            guard response.status == 101 else {
                give(up: 0, .clientToServer, at: time, "the server refused the WebSocket upgrade (HTTP \(response.status))", emit)
                lost[1] = true
                return
            }
            if inner == nil, let chosen = response.subprotocol.flatMap(Self.protocolNamed) { decide(chosen, at: time, emit) }
        }
        heads[side] = []
        readers[side] = WebSocketFrameReader(maximumFrameSize: maximumMessageSize)
        if !rest.isEmpty { unframe(rest, direction, at: time, emit) }
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
                case .frame(opcode: 0x1, _, let reserved, _, _), .frame(opcode: 0x2, _, let reserved, _, _) where reserved & 0b100 != 0:
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
        case .mqtt: decoder = .mqtt(MQTTConnectionDecoder(connection: connection, maximumPacketSize: maximumMessageSize, sawStart: true))
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
        heads[side] = []
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
