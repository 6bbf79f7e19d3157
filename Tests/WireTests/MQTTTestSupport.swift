import NIOCore
import Testing
import Wire

/// Decodes `bytes` (one whole packet) three ways and checks they agree: all at once, one byte
/// at a time into a growing buffer (nil, with the reader index untouched, until the last
/// byte), and split into two writes at every offset. Returns the packet.
func decodeEveryWay(
    _ bytes: [UInt8], version: MQTTVersion?, sourceLocation: SourceLocation = #_sourceLocation
) throws -> MQTTPacket {
    var decoder = MQTTDecoder(version: version)
    var whole = ByteBuffer(bytes: bytes)
    let packet = try #require(try decoder.decode(buffer: &whole), sourceLocation: sourceLocation)
    #expect(whole.readableBytes == 0, "consumes exactly the packet", sourceLocation: sourceLocation)
    #expect(packet.wireLength == bytes.count, sourceLocation: sourceLocation)
    #expect(decoder.streamOffset == bytes.count, sourceLocation: sourceLocation)

    var bytewise = MQTTDecoder(version: version)
    var growing = ByteBuffer()
    var early = 0
    for (index, byte) in bytes.enumerated() {
        growing.writeInteger(byte)
        let result = try bytewise.decode(buffer: &growing)
        if index < bytes.count - 1 {
            if result != nil || growing.readerIndex != 0 { early += 1 }
        } else {
            #expect(result == packet, "byte by byte", sourceLocation: sourceLocation)
            #expect(growing.readableBytes == 0, sourceLocation: sourceLocation)
        }
    }
    #expect(early == 0, "nil and nothing consumed before the last byte", sourceLocation: sourceLocation)
    #expect(bytewise.version == decoder.version, sourceLocation: sourceLocation)

    for cut in 1..<bytes.count {
        var split = MQTTDecoder(version: version)
        var buffer = ByteBuffer(bytes: bytes[..<cut])
        let first = try split.decode(buffer: &buffer)
        #expect(first == nil && buffer.readerIndex == 0, "first part of a split at \(cut)", sourceLocation: sourceLocation)
        buffer.writeBytes(bytes[cut...])
        let second = try split.decode(buffer: &buffer)
        #expect(second == packet, "split at \(cut)", sourceLocation: sourceLocation)
    }
    return packet
}

/// Decodes one packet in `version`, expecting it to decode whole.
func decodeOne(_ bytes: [UInt8], version: MQTTVersion? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws
    -> MQTTPacket
{
    var decoder = MQTTDecoder(version: version)
    var buffer = ByteBuffer(bytes: bytes)
    return try #require(try decoder.decode(buffer: &buffer), sourceLocation: sourceLocation)
}

/// The error decoding `bytes` throws, or nil if it throws none.
func decodeError(_ bytes: [UInt8], version: MQTTVersion? = nil, maximumPacketSize: Int = MQTTDecoder.defaultMaximumPacketSize)
    -> MQTTDecodeError?
{
    var decoder = MQTTDecoder(version: version, maximumPacketSize: maximumPacketSize)
    var buffer = ByteBuffer(bytes: bytes)
    do {
        _ = try decoder.decode(buffer: &buffer)
        return nil
    } catch {
        #expect(buffer.readerIndex == 0, "an error consumes nothing")
        return error
    }
}

/// Every packet in `bytes`, decoded in a loop from one buffer.
func decodeAll(_ bytes: [UInt8], decoder: inout MQTTDecoder) throws(MQTTDecodeError) -> [MQTTPacket] {
    var buffer = ByteBuffer(bytes: bytes)
    var packets: [MQTTPacket] = []
    while let packet = try decoder.decode(buffer: &buffer) { packets.append(packet) }
    return packets
}

extension MQTTString {
    /// Test shorthand for the bytes of an ASCII literal.
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}

/// A seeded generator (SplitMix64): the fuzz tests are random but the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
