/// A frame the WebSocket reader refuses, and where: the rules are those NIOWebSocket's frame
/// decoder enforces (the CM's), so the decoder refuses exactly what the CM would.
public struct WebSocketFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// The frame's payload is longer than the reader accepts (or than a 64-bit length can say).
        case frameTooLarge(length: UInt64, limit: Int)
        /// A control frame (CLOSE, PING, PONG) without FIN: control frames cannot be fragmented.
        case fragmentedControlFrame(opcode: UInt8)
        /// A control frame whose payload is over 125 bytes.
        case controlFrameTooLong(opcode: UInt8, length: Int)
    }

    public let kind: Kind
    /// The stream offset of the frame's first byte.
    public let frameOffset: Int

    public init(_ kind: Kind, frameOffset: Int) {
        self.kind = kind
        self.frameOffset = frameOffset
    }

    public var description: String {
        switch kind {
        case .frameTooLarge(let length, let limit):
            return "WebSocket frame at offset \(frameOffset): payload of \(length) bytes, over the limit of \(limit)"
        case .fragmentedControlFrame(let opcode):
            return "WebSocket control frame (opcode \(opcode)) at offset \(frameOffset) without FIN: control frames cannot be fragmented"
        case .controlFrameTooLong(let opcode, let length):
            return "WebSocket control frame (opcode \(opcode)) at offset \(frameOffset): \(length) bytes, over the 125 allowed"
        }
    }
}
