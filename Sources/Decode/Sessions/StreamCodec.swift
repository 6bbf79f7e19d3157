import NIOCore

/// One protocol's codec as `DirectionDecoder` drives it: push bytes into a buffer, pull
/// messages out; after lost bytes, find where messages start again; at a gap or the end, say
/// what can be read of a message cut short. MQTT (`MQTTDecoder`) and CMP (`CMPDecoder`) conform.
///
/// ## The seam for a protocol that is not length-framed (XMPP, a push XML parser)
///
/// Nothing here assumes a length prefix: `decode` may consume bytes without returning a message
/// (a push parser consumes what it has parsed and keeps its own state; it returns a stanza once
/// its end tag is in), `refusedLength` may always be nil (no length is known ahead, so an
/// oversize stanza is a lost place, not a skip), `resynchronize` may look for what starts a
/// stanza instead of a believable header, and `partialMessage` may return nil. Inside WebSocket,
/// `WebSocketConnectionDecoder` hands the frames' data to the same session, so such a codec gets
/// WebSocket unwrapping for nothing.
protocol StreamCodec {
    associatedtype Message
    /// Typed, so a decode error costs no existential box.
    associatedtype Failure: Error & CustomStringConvertible

    /// The next whole message at `buffer`'s reader index, consumed; nil when more bytes are needed.
    mutating func decode(buffer: inout ByteBuffer) throws(Failure) -> Message?
    /// After `failure`, the length of the message refused when its framing held (the rest of it
    /// is then dropped as it comes, and decoding goes on after it); nil when the place in the
    /// stream is lost.
    static func refusedLength(of failure: Failure) -> Int?
    /// Drops up to `count` bytes from the front of `buffer`; returns how many it dropped.
    @discardableResult
    mutating func discard(_ count: Int, from buffer: inout ByteBuffer) -> Int
    /// `count` bytes of the stream went by without entering the buffer (part of a refused message).
    mutating func passed(_ count: Int)
    /// The offset from the reader index of the first believable message start; nil when none yet.
    func resynchronize(_ buffer: ByteBuffer) -> Int?
    /// What can be read of a message cut short at `buffer`'s reader index; nil when too little.
    func partialMessage(in buffer: ByteBuffer) -> PartialMessage?
}

/// What can be read of a message cut short by a capture gap or the end of its connection.
struct PartialMessage {
    /// The message type's name (PUBLISH, SEND).
    let type: String
    /// The length its header declares, header included.
    let declaredLength: Int
    /// Its bytes that were captured.
    let capturedLength: Int
    /// An MQTT PUBLISH's topic or a CMP SEND's recipient, when captured.
    let topic: String?
}
