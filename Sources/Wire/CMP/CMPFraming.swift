import NIOCore

/// Framing helpers for bytes that are not (yet) a clean stream of messages: a capture that
/// starts mid-connection, loses bytes in a TCP gap, or carries an unknown protocol.
public enum CMPFraming {
    /// Detection by content for `cmtune decode`: true when the bytes start like a CMP LOGIN
    /// (0x10, a minimal remaining length long enough for a LOGIN, then 0x00 0x03 "CMP"), false
    /// when they cannot be one, nil when more bytes are needed to tell.
    ///
    /// MQTT's CONNECT also starts with 0x10; its protocol name (00 04 "MQTT", 00 06 "MQIsdp")
    /// tells them apart by the second byte of the name's length.
    public static func looksLikeLogin<C: Collection>(_ bytes: C) -> Bool? where C.Element == UInt8 {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next() else { return nil }
        guard first == CMPMessageType.login.rawValue << 4 else { return false }
        var remaining = 0
        for position in 0..<4 {
            guard let byte = iterator.next() else { return nil }
            remaining |= Int(byte & 0x7F) << (7 * position)
            if byte & 0x80 == 0 {
                if position > 0 && byte == 0 { return false }  // not minimal
                guard remaining >= CMPMessageType.login.minimumRemainingLength(flags: 0) else { return false }
                // The protocol name: u16 length 3, then "CMP".
                let name: UInt64 = 0x00_03_43_4D_50
                for index in 0..<5 {
                    guard let byte = iterator.next() else { return nil }
                    guard byte == UInt8(truncatingIfNeeded: name >> (8 * (4 - index))) else { return false }
                }
                return true
            }
        }
        return false  // the remaining length continues past four bytes
    }

    /// `looksLikeLogin` over the readable bytes of `buffer`.
    public static func looksLikeLogin(_ buffer: ByteBuffer) -> Bool? {
        looksLikeLogin(buffer.readableBytesView)
    }

    /// The first offset (from the reader index) where a message starts that is believed: it
    /// checks out and so do the messages after it, up to `confirmations` of them, or until the
    /// bytes end exactly at a message's end or inside a message whose header checks out.
    ///
    /// A message "checks out" when its type and flags are valid, its remaining length is
    /// minimal, within `maximumMessageSize` and at least what the type needs, and, when all of
    /// it is there, it decodes without error and without problems; when it is cut by the end of
    /// the bytes, the fields that are there fit its length. One message alone (no follower) is
    /// believed only when it ends the bytes exactly. nil when no offset qualifies yet: call
    /// again with more bytes.
    ///
    /// Cost: 12 of the 256 values of a first byte are valid, so nearly every offset is rejected
    /// on its first byte; the others cost a header check and, when complete, a decode.
    public static func resynchronize(
        _ buffer: ByteBuffer, maximumMessageSize: Int = CMPDecoder.defaultMaximumMessageSize, confirmations: Int = 2
    ) -> Int? {
        FramingScanner(CMPFramingRules(limit: maximumMessageSize), buffer: buffer, confirmations: confirmations).firstBoundary()
    }

    /// `resynchronize` over an array.
    public static func resynchronize(
        _ bytes: [UInt8], maximumMessageSize: Int = CMPDecoder.defaultMaximumMessageSize, confirmations: Int = 2
    ) -> Int? {
        resynchronize(ByteBuffer(bytes: bytes), maximumMessageSize: maximumMessageSize, confirmations: confirmations)
    }
}

/// CMP's checks behind `CMPFraming.resynchronize`.
struct CMPFramingRules: FramingRules {
    let limit: Int

    func header(in view: ByteBuffer) throws(CMPDecodeError) -> CMPHeader? {
        try CMPHeader.parse(view, maximumMessageSize: limit)
    }

    func isPlausible(_ header: CMPHeader) -> Bool {
        header.remainingLength >= header.type.minimumRemainingLength(flags: header.flags)
            && (header.type != .ping && header.type != .pong || header.remainingLength == 0)
    }

    func messageLength(_ header: CMPHeader) -> Int { header.messageLength }

    /// What can be seen agrees with the length: a LOGIN's protocol name, the first string of a
    /// SEND or DELIVER.
    func visibleFieldsFit(_ view: ByteBuffer, _ header: CMPHeader) -> Bool {
        let body = view.readerIndex + header.headerLength
        let remaining = header.remainingLength
        switch header.type {
        case .login:
            guard let length = view.getInteger(at: body, as: UInt16.self) else { return true }
            guard length == 3 else { return false }
            guard let name = view.getBytes(at: body + 2, length: min(3, view.writerIndex - body - 2)) else { return true }
            return name.elementsEqual([0x43, 0x4D, 0x50].prefix(name.count))
        case .send:
            guard let length = view.getInteger(at: body + 4, as: UInt16.self) else { return true }
            return 4 + 2 + Int(length) + 1 <= remaining
        case .deliver:
            guard let length = view.getInteger(at: body + 8, as: UInt16.self) else { return true }
            return Int(length) + header.type.minimumRemainingLength(flags: header.flags) <= remaining
        default:
            return true
        }
    }

    func decodesCleanly(_ view: ByteBuffer) -> Bool {
        var decoder = CMPDecoder(maximumMessageSize: limit)
        var message = view
        guard let frame = try? decoder.decode(buffer: &message) else { return false }
        return frame.problems.isEmpty
    }
}
