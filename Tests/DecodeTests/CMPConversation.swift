import Capture
import Decode
import NIOCore
import Wire

/// CMP on top of `ConversationBuilder`: messages encoded with the codec the CM uses, so the
/// decoder is checked against what the server really writes.
extension ConversationBuilder {
    /// A CMP conversation: server port 7000 (the CM's default) unless told otherwise.
    static func cmp(serverPort: Int = 7000, clientPort: Int = 50123, handshake: Bool = true, segmentSize: Int = 1400) -> ConversationBuilder {
        ConversationBuilder(serverPort: serverPort, clientPort: clientPort, handshake: handshake, segmentSize: segmentSize)
    }

    /// Sends one CMP message in as many segments as it needs; the side follows from its type.
    mutating func send(cmp message: CMPMessage) {
        sendRaw(Self.bytes(message), fromClient: message.type.isSentByClient)
    }

    static func bytes(_ message: CMPMessage) -> [UInt8] {
        let buffer = try! CMPEncoder.encode(message)
        return buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes)!
    }
}

extension [DecodeEvent] {
    var cmpMessages: [DecodedCMPMessage] {
        compactMap { if case .cmpMessage(let message) = $0 { return message } else { return nil } }
    }

    var cmpTypes: [String] { cmpMessages.map(\.message.type.name) }

    var unansweredFlows: [UnansweredFlow] {
        compactMap { if case .unanswered(_, let flow) = $0 { return flow } else { return nil } }
    }

    /// `(message, skippedBytes)` of every DECODE_ERROR.
    var streamErrors: [(String, Int?)] {
        compactMap { if case .streamError(_, _, _, let message, let skipped, _) = $0 { return (message, skipped) } else { return nil } }
    }
}
