import Capture
import CaptureTestSupport
import Decode
import NIOCore
import Wire

/// Builds the packets of a TCP connection carrying MQTT, as a capture would hold them: a
/// handshake (optional), each message cut into segments, sequence numbers that add up, a FIN.
/// Tests then shuffle, duplicate or drop segments and check what the decoder makes of them.
struct ConversationBuilder {
    var client: (address: [UInt8], port: Int) = ([10, 0, 0, 1], 50123)
    var server: (address: [UInt8], port: Int) = ([10, 0, 0, 2], 1883)
    var version: MQTTVersion = .v3_1_1
    /// Payload bytes per segment.
    var segmentSize = 1400
    var handshake = true
    private(set) var packets: [CapturedPacket] = []
    private var clientSeq: UInt32 = 1_000
    private var serverSeq: UInt32 = 900_000
    private var time = CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 0)

    init(version: MQTTVersion = .v3_1_1, serverPort: Int = 1883, clientPort: Int = 50123, handshake: Bool = true, segmentSize: Int = 1400) {
        self.version = version
        self.server.port = serverPort
        self.client.port = clientPort
        self.handshake = handshake
        self.segmentSize = segmentSize
        if handshake {
            emit(fromClient: true, flags: [.syn], payload: [])
            clientSeq &+= 1
            emit(fromClient: false, flags: [.syn, .ack], payload: [])
            serverSeq &+= 1
        }
    }

    /// Advances the capture clock.
    mutating func wait(milliseconds: Int) {
        var nanos = Int64(time.nanoseconds) + Int64(milliseconds) * 1_000_000
        var seconds = time.seconds
        seconds += nanos / 1_000_000_000
        nanos %= 1_000_000_000
        time = CaptureTimestamp(seconds: seconds, nanoseconds: Int32(nanos))
    }

    /// Sends a message, encoded for the builder's version, in as many segments as it needs.
    mutating func send(_ body: MQTTPacket.Body, fromClient: Bool) {
        let buffer = try! MQTTEncoder(version: version).encode(body)
        sendRaw(buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes)!, fromClient: fromClient)
    }

    /// Sends bytes as they are (hostile input).
    mutating func sendRaw(_ bytes: [UInt8], fromClient: Bool) {
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + segmentSize, bytes.count)])
            emit(fromClient: fromClient, flags: [.ack, .psh], payload: chunk)
            if fromClient { clientSeq &+= UInt32(chunk.count) } else { serverSeq &+= UInt32(chunk.count) }
            offset += chunk.count
        }
        wait(milliseconds: 1)
    }

    mutating func finish() {
        emit(fromClient: true, flags: [.fin, .ack], payload: [])
        emit(fromClient: false, flags: [.fin, .ack], payload: [])
    }

    private mutating func emit(fromClient: Bool, flags: TCPFlags, payload: [UInt8]) {
        let source = fromClient ? client : server
        let destination = fromClient ? server : client
        let tcp = Frames.tcp(
            sourcePort: source.port, destinationPort: destination.port, seq: fromClient ? clientSeq : serverSeq,
            ack: fromClient ? serverSeq : clientSeq, flags: flags, payload)
        let frame = Frames.ethernet(0x0800, Frames.ipv4(source: source.address, destination: destination.address, tcp))
        packets.append(CapturedPacket(timestamp: time, linkType: 1, originalLength: frame.count, data: frame))
        wait(milliseconds: 0)
    }
}

/// Runs packets through a pipeline and keeps every event.
func decode(_ packets: [CapturedPacket], options: DecodePipeline.Options = .init()) -> [DecodeEvent] {
    var events: [DecodeEvent] = []
    let pipeline = DecodePipeline(options: options) { events.append($0) }
    for packet in packets { pipeline.process(packet) }
    pipeline.finish()
    return events
}

extension [DecodeEvent] {
    var messages: [DecodedMessage] {
        compactMap { if case .message(let message) = $0 { return message } else { return nil } }
    }

    var types: [String] { messages.map(\.packet.type.name) }
}

extension ByteBuffer {
    static func text(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }
}
