import NIOCore

// # CMP codec (the cmtune Messaging Protocol, version 1; spec: docs/protocol.md)
//
// One codec for the reference CM (`cmtune cm serve`, hundreds of thousands of SEND and
// DELIVER_ACK per second per core), its load generator and the capture decoder (`cmtune
// decode`, hostile input), so what the decoder shows is what the server speaks.
//
// ## Decoding
//
//     var decoder = CMPDecoder()                       // 16 MiB limit; the CM passes --max-frame
//     while let frame = try decoder.decode(buffer: &buffer) {
//         print(frame.message.type.name, frame.wireLength, frame.problems)
//     }
//
// - `CMPDecoder.decode(buffer:)` returns one `CMPFrame` and consumes exactly its message's
//   bytes, or returns nil, leaving the reader index alone, until the buffer holds a whole
//   message. It keeps no bytes and no state of its own: the caller's buffer is the only buffer.
//   It refuses a message larger than `maximumMessageSize` as soon as the header is in, so the
//   caller never buffers more than that (`awaitedMessageLength(in:)` says what it waits for).
// - `CMPFrame`: `message` (`CMPMessage`: `.login(CMPLogin)`, `.loginAck(CMPLoginAck)`,
//   `.send(CMPSend)`, `.sendAck(CMPSendAck)`, `.deliver(CMPDeliver)`,
//   `.deliverAck(CMPDeliverAck)`, `.ping`, `.pong`, `.kick(CMPKick)`, `.logout(CMPLogout)`),
//   `wireLength` and `problems`.
// - Result codes are `CMPResultCode` (static members, `name` "not-logged-in", `isSuccess`);
//   extensions are `CMPExtensions` (typed fields for ids 1 to 4, `unknown` for the rest).
// - The NIO shell: `ByteToMessageHandler(CMPDecoder(maximumMessageSize: ...))`,
//   `MessageToByteHandler(CMPMessageEncoder())`.
//
// ## Fatal errors and problems
//
// The rule: throw only when the bytes cannot be read as a message; a message that reads but
// breaks a rule is returned with a problem, so a decoder shows it and a server can answer it.
//
// Fatal (`CMPDecodeError`, thrown, reader index untouched; `offset` counts from the message's
// first byte):
// - in the header: a reserved type (0, 11 to 15) or flag bit, a remaining length over four
//   bytes or not minimal (`messageLength` nil: the stream position is suspect; resynchronize
//   with `CMPFraming.resynchronize`, or close the connection), a message over
//   `maximumMessageSize` (`messageLength` set).
// - in the body, framing intact (`messageLength` set, the caller may drop the message and go
//   on): a field that runs past the message (`fieldTruncated("recipient")`), bytes after the
//   last field of a message without payload (`trailingBytes`), an extension entry past its
//   block or the block past the message (`extensionOverrun`), a varint over four bytes.
//
// Problems (`CMPFrame.problems`, at most 32): invalid UTF-8 or U+0000 in a string (the String
// holds U+FFFD for bad sequences), invalid UTF-8 in a text extension, a LOGIN protocol name
// other than "CMP" or version other than 1, a known extension with a value of the wrong length
// (ignored) or repeated (the first counts), a non-minimal varint in the extension block, more
// than 64 unknown extensions (the rest are skipped: a limit of this decoder, not a rule of the
// spec). Unknown result codes and unknown extensions are not problems: they are how later
// versions grow.
//
// ## Encoding and framing
//
// - `CMPEncoder.encode(_:into:)` writes the canonical form; `CMPEncoder.encodedLength(_:)`.
// - `CMPFraming.looksLikeLogin(_:)` (detection by content) and `.resynchronize(_:)` (the
//   first offset where messages that check out follow one another, after a TCP gap).
//
// ## Cost
//
// A message is parsed from a view of the caller's buffer (same storage, other indices): the
// SEND and DELIVER payload is such a view, never copied; a string is one String (inline, no
// allocation, up to 15 bytes); the empty extension block is one byte read and no allocation.
// No Foundation, no per-byte closures. Extension entries take at least two bytes and unknown
// ones are kept up to a fixed count, so any message costs O(its bytes) in time and at most its
// size (plus a constant) in memory.

/// The incremental CMP decoder for one direction of one connection (see the notes above).
public struct CMPDecoder: Sendable {
    /// The default `maximumMessageSize`: 16 MiB, the capture decoder's limit (the CM passes its
    /// `--max-frame`, 64 KiB by default).
    public static let defaultMaximumMessageSize = 16 << 20

    /// The largest message, header included, the decoder accepts.
    public var maximumMessageSize: Int

    public init(maximumMessageSize: Int = CMPDecoder.defaultMaximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    /// Decodes one whole message from the front of `buffer`.
    ///
    /// Returns nil, leaving `buffer` untouched, when it does not hold a whole message yet. On
    /// success consumes exactly the message's bytes. On error throws without consuming (see
    /// the notes above for what is fatal and how to go on).
    @inline(__always)
    public mutating func decode(buffer: inout ByteBuffer) throws(CMPDecodeError) -> CMPFrame? {
        guard let header = try CMPHeader.parse(buffer, maximumMessageSize: maximumMessageSize) else { return nil }
        let length = header.messageLength
        guard buffer.readableBytes >= length else { return nil }
        var view = buffer  // same storage; the writer index moved to the message's end
        view.moveWriterIndex(to: buffer.readerIndex + length)
        var reader = CMPBodyReader(message: view, header: header)
        let message = try CMPDecoder.decodeBody(&reader)
        buffer.moveReaderIndex(forwardBy: length)
        return CMPFrame(message: message, wireLength: length, problems: reader.problems.result())
    }

    /// How many bytes the message at `buffer`'s reader index needs in total, header included,
    /// once its header is in; nil before, and nil for a header `decode` would refuse.
    public func awaitedMessageLength(in buffer: ByteBuffer) -> Int? {
        do {
            return try CMPHeader.parse(buffer, maximumMessageSize: maximumMessageSize)?.messageLength
        } catch {
            return nil
        }
    }

    @inline(__always)
    private static func decodeBody(_ reader: inout CMPBodyReader) throws(CMPDecodeError) -> CMPMessage {
        switch reader.type {
        case .login: return .login(try CMPLogin(from: &reader))
        case .loginAck: return .loginAck(try CMPLoginAck(from: &reader))
        case .send: return .send(try CMPSend(from: &reader))
        case .sendAck: return .sendAck(try CMPSendAck(from: &reader))
        case .deliver: return .deliver(try CMPDeliver(from: &reader))
        case .deliverAck: return .deliverAck(try CMPDeliverAck(from: &reader))
        case .ping:
            try reader.expectEnd()
            return .ping
        case .pong:
            try reader.expectEnd()
            return .pong
        case .kick: return .kick(try CMPKick(from: &reader))
        case .logout: return .logout(try CMPLogout(from: &reader))
        }
    }
}
