import NIOCore
import Testing
import Wire

/// Decodes `bytes` (one whole message) three ways and checks they agree: all at once, one byte
/// at a time into a growing buffer (nil, with the reader index untouched, until the last
/// byte), and split into two writes at every offset. Returns the frame.
func cmpDecodeEveryWay(
    _ bytes: [UInt8], maximumMessageSize: Int = CMPDecoder.defaultMaximumMessageSize,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> CMPFrame {
    var decoder = CMPDecoder(maximumMessageSize: maximumMessageSize)
    var whole = ByteBuffer(bytes: bytes)
    let frame = try #require(try decoder.decode(buffer: &whole), sourceLocation: sourceLocation)
    #expect(whole.readableBytes == 0, "consumes exactly the message", sourceLocation: sourceLocation)
    #expect(frame.wireLength == bytes.count, sourceLocation: sourceLocation)

    var bytewise = CMPDecoder(maximumMessageSize: maximumMessageSize)
    var growing = ByteBuffer()
    var early = 0
    for (index, byte) in bytes.enumerated() {
        growing.writeInteger(byte)
        let result = try bytewise.decode(buffer: &growing)
        if index < bytes.count - 1 {
            if result != nil || growing.readerIndex != 0 { early += 1 }
        } else {
            #expect(result == frame, "byte by byte", sourceLocation: sourceLocation)
            #expect(growing.readableBytes == 0, sourceLocation: sourceLocation)
        }
    }
    #expect(early == 0, "nil and nothing consumed before the last byte", sourceLocation: sourceLocation)

    for cut in 1..<max(bytes.count, 1) {
        var split = CMPDecoder(maximumMessageSize: maximumMessageSize)
        var buffer = ByteBuffer(bytes: bytes[..<cut])
        let first = try split.decode(buffer: &buffer)
        #expect(first == nil && buffer.readerIndex == 0, "first part of a split at \(cut)", sourceLocation: sourceLocation)
        buffer.writeBytes(bytes[cut...])
        let second = try split.decode(buffer: &buffer)
        #expect(second == frame, "split at \(cut)", sourceLocation: sourceLocation)
    }
    return frame
}

/// Decodes one message, expecting it whole.
func cmpDecodeOne(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> CMPFrame {
    var decoder = CMPDecoder()
    var buffer = ByteBuffer(bytes: bytes)
    let frame = try #require(try decoder.decode(buffer: &buffer), sourceLocation: sourceLocation)
    #expect(buffer.readableBytes == 0, sourceLocation: sourceLocation)
    return frame
}

/// The error decoding `bytes` throws (checking that it consumed nothing), or nil if none.
func cmpDecodeError(
    _ bytes: [UInt8], maximumMessageSize: Int = CMPDecoder.defaultMaximumMessageSize,
    sourceLocation: SourceLocation = #_sourceLocation
) -> CMPDecodeError? {
    var decoder = CMPDecoder(maximumMessageSize: maximumMessageSize)
    var buffer = ByteBuffer(bytes: bytes)
    do {
        _ = try decoder.decode(buffer: &buffer)
        return nil
    } catch {
        #expect(buffer.readerIndex == 0, "an error consumes nothing", sourceLocation: sourceLocation)
        return error
    }
}

/// The bytes `CMPEncoder` writes for `message`, checked against `encodedLength`.
func cmpEncode(_ message: CMPMessage, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try CMPEncoder.encode(message, into: &buffer)
    #expect(try CMPEncoder.encodedLength(message) == buffer.readableBytes, sourceLocation: sourceLocation)
    return Array(buffer.readableBytesView)
}

/// Every frame in `bytes`, decoded in a loop from one buffer.
func cmpDecodeAll(_ bytes: [UInt8], decoder: inout CMPDecoder) throws(CMPDecodeError) -> [CMPFrame] {
    var buffer = ByteBuffer(bytes: bytes)
    var frames: [CMPFrame] = []
    while let frame = try decoder.decode(buffer: &buffer) { frames.append(frame) }
    return frames
}

extension ByteBuffer {
    /// Test shorthand: the UTF-8 of `text`.
    static func text(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
