import NIOCore

/// One direction of one connection, for any `StreamCodec`: the bytes buffered until a message is
/// whole, the rest of a refused oversize message dropped as it arrives (never buffered), and
/// after a gap or a broken message the search for the next boundary instead of giving up on the
/// stream. The protocol sessions (`MQTTConnectionDecoder`, `CMPConnectionDecoder`) hold two and
/// add what a connection knows (who logged in, which version, which requests are open).
///
/// Pull-shaped, as swift-nio's decoders are: `next()` returns one message at a time (and when it
/// returns none, `takeProblem()` says whether something is to be reported), so a session handling
/// a message may change either direction (a CONNECT sets the server's version) without
/// overlapping access to this one. The message comes back unwrapped, not inside an enum of steps:
/// copying such an enum out and destroying it went through the runtime's generic value witnesses
/// for every message.
///
/// Memory is bounded: a message is buffered until it is whole, the codec refuses one over its
/// limit as soon as its header is in, and while looking for a boundary at most `resyncWindow`
/// bytes are kept (the oldest dropped, and counted in what the resynchronisation reports).
struct DirectionDecoder<Codec: StreamCodec> {
    var codec: Codec
    private var buffer = ByteBuffer()
    /// True while the direction lost its place (after a gap or a fatal error): bytes are kept
    /// until `codec.resynchronize` finds a boundary.
    private(set) var isResynchronizing = false
    /// Bytes dropped while looking for a boundary (beyond the window), reported when found.
    private var droppedWhileResynchronizing = 0
    /// Bytes still to come of a message refused as too large.
    private var skipping = OversizeSkip()
    /// Bytes kept while looking for a boundary before the oldest are dropped.
    static var resyncWindow: Int { 256 << 10 }

    init(_ codec: Codec) {
        self.codec = codec
    }

    /// What stopped `next()` besides a lack of bytes, to be reported.
    enum Problem {
        /// A message refused with its framing intact: its `length` bytes are skipped (what is not
        /// here yet, as it comes).
        case refused(String, length: Int)
        /// The place in the stream is lost: bytes are kept until a boundary is found.
        case lost(String)
        /// A boundary was found after `skipped` bytes that were no message.
        case resynchronized(skipped: Int)
    }

    /// Set when `next()` returned nil for a reason to report; decoding goes on with the next call.
    private var problem: Problem?

    /// Bytes buffered and not yet decoded.
    var bufferedBytes: Int { buffer.readableBytes }

    /// Appends `bytes` but for their front that belongs to a refused message; false when all of
    /// them did (nothing new to decode).
    mutating func append(_ bytes: ArraySlice<UInt8>) -> Bool {
        let skipped = skipping.append(bytes, to: &buffer)
        codec.passed(skipped)
        return !(skipped > 0 && skipped == bytes.count)
    }

    /// The next message; nil when more bytes are needed or a problem is to be reported first
    /// (`takeProblem()`).
    mutating func next() -> Codec.Message? {
        if isResynchronizing {
            guard let offset = codec.resynchronize(buffer) else {
                dropOldestBeyondWindow()
                return nil
            }
            let skipped = offset + droppedWhileResynchronizing
            isResynchronizing = false
            droppedWhileResynchronizing = 0
            if offset > 0 { codec.discard(offset, from: &buffer) }
            if skipped > 0 {
                problem = .resynchronized(skipped: skipped)
                return nil
            }
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try codec.decode(buffer: &buffer)
        } catch {
            if let length = Codec.refusedLength(of: error) {
                let here = codec.discard(length, from: &buffer)
                skipping.start(length: length, here: here)
                problem = .refused(error.description, length: length)
                return nil
            }
            isResynchronizing = true
            problem = .lost(error.description + "; looking for the next message")
            return nil
        }
    }

    /// What made the last `next()` return nil, if it is to be reported; cleared.
    mutating func takeProblem() -> Problem? {
        defer { problem = nil }
        return problem
    }

    /// What a capture gap did to the direction.
    enum GapOutcome {
        /// The gap lies inside a refused message being skipped, whose end is known: nothing lost.
        case insideSkippedMessage
        /// The place is lost; `cut` is the message the gap cut short, when one was buffered.
        case lostPlace(cut: PartialMessage?)
    }

    /// Bytes the capture never saw: what is buffered is dropped and the direction looks for the
    /// next boundary, unless the gap lies inside a message being skipped.
    mutating func gap(_ missing: Int) -> GapOutcome {
        let wasSkipping = skipping.isActive
        if skipping.absorbs(gap: missing) {
            codec.passed(missing)
            return .insideSkippedMessage
        }
        let cut = !wasSkipping && !isResynchronizing && buffer.readableBytes > 0 ? codec.partialMessage(in: buffer) : nil
        codec.discard(buffer.readableBytes, from: &buffer)
        buffer.discardReadBytes()
        isResynchronizing = true
        return .lostPlace(cut: cut)
    }

    /// At the connection's end: the message left cut short, if any.
    var leftover: PartialMessage? {
        !isResynchronizing && buffer.readableBytes > 0 ? codec.partialMessage(in: buffer) : nil
    }

    /// Keeps the buffer from growing with consumed bytes.
    mutating func compact() {
        if buffer.readerIndex > 64 << 10 { buffer.discardReadBytes() }
    }

    private mutating func dropOldestBeyondWindow() {
        guard buffer.readableBytes > Self.resyncWindow else { return }
        let dropped = buffer.readableBytes - Self.resyncWindow / 2
        codec.discard(dropped, from: &buffer)
        buffer.discardReadBytes()
        droppedWhileResynchronizing += dropped
    }
}
