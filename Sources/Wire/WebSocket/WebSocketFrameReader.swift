/// Reads RFC 6455 frames from one direction of a WebSocket connection, incrementally.
///
/// Built for a byte stream inside WebSocket (MQTT over WebSocket, CMP on the CM's `ws://`
/// listener): the payload of a data frame (binary, text, continuation) comes out unmasked as
/// it arrives, so nothing but a header (at most 14 bytes) is ever held and memory does not grow
/// with frame sizes. Control frames (at most 125 bytes) come out whole.
///
/// NIOWebSocket's `WebSocketFrameDecoder`, which the CM runs, keeps its parser internal and
/// needs a channel; this reader applies the same rules (a payload over `maximumFrameSize`, a
/// fragmented control frame, a control payload over 125 bytes are errors) without either. A
/// test runs both on the same bytes.
public struct WebSocketFrameReader: Sendable {
    /// What `read` finds, in stream order.
    public enum Piece: Equatable, Sendable {
        /// The start of a frame: its opcode (0 continuation, 1 text, 2 binary, 8 close,
        /// 9 ping, 10 pong), FIN, the reserved bits RSV1-3 (bit 2 = RSV1, which
        /// permessage-deflate sets on a compressed message), payload length and whether it was masked.
        case frame(opcode: UInt8, fin: Bool, reserved: UInt8, length: Int, masked: Bool)
        /// Unmasked payload bytes of the current data frame (possibly a part).
        case data(ArraySlice<UInt8>)
        /// A whole control frame's unmasked payload.
        case control(opcode: UInt8, payload: [UInt8])
    }

    /// The largest payload accepted, as NIO's `maxFrameSize`.
    public let maximumFrameSize: Int
    /// Stream offset of the next byte read.
    public private(set) var offset = 0

    private var header: [UInt8] = []
    /// Header bytes needed: 2 until the second byte says more.
    private var headerLength = 2
    private var frameOffset = 0
    private var opcode: UInt8 = 0
    /// The masking key, first byte in the high bits; nil for an unmasked frame.
    private var maskingKey: UInt32?
    /// Payload bytes read of the current frame, and its length; nil between frames.
    private var payloadRead = 0
    private var payloadLength: Int?
    private var controlPayload: [UInt8] = []

    public init(maximumFrameSize: Int) {
        self.maximumFrameSize = maximumFrameSize
        header.reserveCapacity(14)
    }

    private var isControl: Bool { opcode & 0x08 != 0 }

    /// Reads `bytes`, calling `found` with each piece. After an error the reader's place in the
    /// stream is lost: the caller stops reading this direction.
    public mutating func read(_ bytes: ArraySlice<UInt8>, _ found: (Piece) -> Void) throws(WebSocketFrameError) {
        var rest = bytes
        while !rest.isEmpty {
            guard let length = payloadLength else {
                let wanted = headerLength - header.count
                header += rest.prefix(wanted)
                offset += min(wanted, rest.count)
                rest = rest.dropFirst(wanted)
                if header.count == headerLength { try headerRead(found) }
                continue
            }
            var piece = rest.prefix(length - payloadRead)
            rest = rest.dropFirst(piece.count)
            if let key = maskingKey {
                // A copy only for masked bytes (a client's); a server's pass through as they are.
                var unmasked = Array(piece)
                for index in unmasked.indices {
                    unmasked[index] ^= UInt8(truncatingIfNeeded: key >> (24 - 8 * UInt32((payloadRead + index) & 3)))
                }
                piece = unmasked[...]
            }
            payloadRead += piece.count
            offset += piece.count
            if isControl {
                controlPayload += piece
            } else {
                found(.data(piece))
            }
            if payloadRead == length { frameEnded(found) }
        }
    }

    /// The header is complete, or says how long it is.
    private mutating func headerRead(_ found: (Piece) -> Void) throws(WebSocketFrameError) {
        if headerLength == 2 {
            frameOffset = offset - 2
            let extended = header[1] & 0x7F == 126 ? 2 : header[1] & 0x7F == 127 ? 8 : 0
            let full = 2 + extended + (header[1] & 0x80 != 0 ? 4 : 0)
            if full > 2 {
                headerLength = full
                return
            }
        }
        opcode = header[0] & 0x0F
        let fin = header[0] & 0x80 != 0
        var length = UInt64(header[1] & 0x7F)
        var index = 2
        if length == 126 {
            length = UInt64(header[2]) << 8 | UInt64(header[3])
            index = 4
        } else if length == 127 {
            length = header[2..<10].reduce(0) { $0 << 8 | UInt64($1) }
            index = 10
        }
        let masked = header[1] & 0x80 != 0
        maskingKey = masked ? header[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) } : nil
        // NIO's checks, in its order.
        guard length <= UInt64(maximumFrameSize) else {
            throw WebSocketFrameError(.frameTooLarge(length: length, limit: maximumFrameSize), frameOffset: frameOffset)
        }
        if isControl && !fin { throw WebSocketFrameError(.fragmentedControlFrame(opcode: opcode), frameOffset: frameOffset) }
        if isControl && length > 125 {
            throw WebSocketFrameError(.controlFrameTooLong(opcode: opcode, length: Int(length)), frameOffset: frameOffset)
        }
        let reserved = header[0] >> 4 & 0x7
        header.removeAll(keepingCapacity: true)
        headerLength = 2
        payloadLength = Int(length)
        payloadRead = 0
        found(.frame(opcode: opcode, fin: fin, reserved: reserved, length: Int(length), masked: masked))
        if length == 0 { frameEnded(found) }
    }

    private mutating func frameEnded(_ found: (Piece) -> Void) {
        if isControl {
            found(.control(opcode: opcode, payload: controlPayload))
            controlPayload.removeAll(keepingCapacity: true)
        }
        payloadLength = nil
    }
}
