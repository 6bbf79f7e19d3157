import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import Wire

/// What a reader made of a stream: each frame's opcode and (for data frames, joined) payload.
private struct ReadFrame: Equatable {
    var opcode: UInt8
    var fin: Bool
    var payload: [UInt8]
}

private func readAll(_ chunks: [ArraySlice<UInt8>], maximumFrameSize: Int = 1 << 20) -> (frames: [ReadFrame], error: WebSocketFrameError?) {
    var reader = WebSocketFrameReader(maximumFrameSize: maximumFrameSize)
    var frames: [ReadFrame] = []
    do {
        for chunk in chunks {
            try reader.read(chunk) { piece in
                switch piece {
                case .frame(let opcode, let fin, _, _, _): frames.append(ReadFrame(opcode: opcode, fin: fin, payload: []))
                case .data(let bytes): frames[frames.count - 1].payload += bytes
                case .control(_, let payload): frames[frames.count - 1].payload = payload
                }
            }
        }
    } catch {
        return (frames, error)
    }
    return (frames, nil)
}

/// The CM's decoder on the same bytes: NIOWebSocket's, in an embedded channel.
private func nioRead(_ bytes: [UInt8], maximumFrameSize: Int = 1 << 20) -> (frames: [ReadFrame], failed: Bool) {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maximumFrameSize)))
    var failed = false
    do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch { failed = true }
    var frames: [ReadFrame] = []
    while let frame = try? channel.readInbound(as: WebSocketFrame.self) {
        frames.append(ReadFrame(opcode: UInt8(webSocketOpcode: frame.opcode) ?? 0xFF, fin: frame.fin, payload: Array(frame.unmaskedData.readableBytesView)))
    }
    _ = try? channel.finish(acceptAlreadyClosed: true)
    return (frames, failed)
}

/// A frame as RFC 6455 §5.2 lays it out.
private func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, mask: [UInt8]? = nil, lengthForm: Int? = nil) -> [UInt8] {
    var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
    let maskBit: UInt8 = mask == nil ? 0 : 0x80
    let form = lengthForm ?? (payload.count < 126 ? 0 : payload.count <= 0xFFFF ? 126 : 127)
    switch form {
    case 126: bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    case 127: bytes += [maskBit | 127] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: payload.count >> (8 * $0)) }
    default: bytes.append(maskBit | UInt8(payload.count))
    }
    guard let mask else { return bytes + payload }
    return bytes + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
}

extension UInt8 {
    fileprivate init?(webSocketOpcode opcode: WebSocketOpcode) {
        for value in UInt8(0)...15 where WebSocketOpcode(encodedWebSocketOpcode: value) == opcode {
            self = value
            return
        }
        return nil
    }
}

@Suite("WebSocket frame reader")
struct WebSocketFrameReaderTests {
    /// Every length form, masked and not, a message in fragments with a ping between them, an
    /// empty frame, a CLOSE.
    static let stream: [UInt8] =
        frame(0x2, Array("hello".utf8), mask: [1, 2, 3, 4]) + frame(0x2, Array(repeating: 7, count: 300))
        + frame(0x2, (0..<70_000).map { UInt8(truncatingIfNeeded: $0) }, mask: [0xA5, 0x5A, 0xFF, 0]) + frame(0x1, Array("part one, ".utf8), fin: false)
        + frame(0x9, Array("ping?".utf8), mask: [9, 9, 9, 9]) + frame(0x0, Array("part two".utf8)) + frame(0x2, [])
        + frame(0x2, Array("short in a long form".utf8), lengthForm: 127) + frame(0x8, [0x03, 0xE8] + Array("bye".utf8), mask: [4, 3, 2, 1])

    @Test("frames read whole, byte by byte and split at every offset give what the CM's decoder gives")
    func agreesWithNIO() {
        let expected = nioRead(Self.stream)
        #expect(!expected.failed && expected.frames.count == 9)
        #expect(readAll([Self.stream[...]]).frames == expected.frames)
        #expect(readAll(Self.stream.indices.map { Self.stream[$0...$0] }).frames == expected.frames)
        for cut in stride(from: 1, to: Self.stream.count, by: 97) {
            let (frames, error) = readAll([Self.stream[..<cut], Self.stream[cut...]])
            #expect(error == nil && frames == expected.frames, "cut at \(cut)")
        }
    }

    @Test(
        "what the CM's decoder refuses is refused, with the offset of the frame",
        arguments: [
            ("a ping of 126 bytes", frame(0x9, Array(repeating: 1, count: 126)), "over the 125 allowed"),
            ("a fragmented CLOSE", frame(0x8, [0x03, 0xE8], fin: false), "cannot be fragmented"),
            ("a frame over the limit", frame(0x2, Array(repeating: 0, count: 5000)), "over the limit of 4096"),
            ("a 64-bit length with its top bit set", [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1], "over the limit"),
        ])
    func refusals(name: String, hostile: [UInt8], reason: String) {
        let good = frame(0x2, Array("fine".utf8), mask: [1, 1, 1, 1])
        let bytes = good + hostile
        let nio = nioRead(bytes, maximumFrameSize: 4096)
        let (frames, error) = readAll([bytes[...]], maximumFrameSize: 4096)
        #expect(nio.failed, "NIO accepts \(name)")
        #expect(frames.first == nio.frames.first && nio.frames.count == 1)
        #expect(error?.frameOffset == good.count)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test("random frame sequences, some hostile: the reader and the CM's decoder agree on every one", arguments: 1...4)
    func randomAgreement(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<250 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let opcode = [0x0, 0x1, 0x2, 0x8, 0x9, 0xA, 0x3].randomElement(using: &generator)!
                let length = [0, 1, 125, 126, 127, 200, 3000].randomElement(using: &generator)!
                let mask: [UInt8]? = Bool.random(using: &generator) ? (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) } : nil
                let payload = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                bytes += frame(UInt8(opcode), payload, fin: Int.random(in: 0..<5, using: &generator) > 0, mask: mask)
            }
            let nio = nioRead(bytes, maximumFrameSize: 2048)
            let mine = readAll([bytes[...]], maximumFrameSize: 2048)
            #expect(nio.failed == (mine.error != nil), "\(bytes.prefix(40))")
            // NIO passes on only whole frames; the reader announces a frame when its header is in.
            #expect(Array(mine.frames.prefix(nio.frames.count)) == nio.frames)
        }
    }
}
