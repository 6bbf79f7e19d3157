import NIOCore

/// Encodes CMP messages in canonical form: minimal varints, extensions in id order and only
/// the ones set, the flags the body implies.
///
/// Measures first, then writes: `encodedLength` validates every field and gives the exact size,
/// the buffer grows once to hold it, and the header and body are written straight into it in
/// one pass. Nothing is written when a field does not fit.
public enum CMPEncoder {
    /// Appends `message` to `buffer`.
    @inline(__always)
    public static func encode(_ message: CMPMessage, into buffer: inout ByteBuffer) throws(CMPEncodeError) {
        let body = try bodyLength(message)
        buffer.reserveCapacity(minimumWritableBytes: 1 + CMPVarint.length(of: body) + body)
        buffer.writeInteger(message.type.rawValue << 4 | message.flags)
        buffer.writeCMPVarint(body)
        switch message {
        case .login(let login): login.write(into: &buffer)
        case .loginAck(let ack): ack.write(into: &buffer)
        case .send(let send): send.write(into: &buffer)
        case .sendAck(let ack): ack.write(into: &buffer)
        case .deliver(let deliver): deliver.write(into: &buffer)
        case .deliverAck(let ack): ack.write(into: &buffer)
        case .ping, .pong: break
        case .kick(let kick): kick.write(into: &buffer)
        case .logout(let logout): logout.write(into: &buffer)
        }
    }

    /// A new buffer holding `message`, exactly as large as it needs to be.
    public static func encode(_ message: CMPMessage) throws(CMPEncodeError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(message, into: &buffer)
        return buffer
    }

    /// The number of bytes `encode` writes for `message`, header included.
    public static func encodedLength(_ message: CMPMessage) throws(CMPEncodeError) -> Int {
        let body = try bodyLength(message)
        return 1 + CMPVarint.length(of: body) + body
    }

    /// The remaining length, every field checked.
    @inline(__always)
    static func bodyLength(_ message: CMPMessage) throws(CMPEncodeError) -> Int {
        let length: Int
        switch message {
        case .login(let login): length = try login.bodyLength()
        case .loginAck(let ack): length = try ack.bodyLength()
        case .send(let send): length = try send.bodyLength()
        case .sendAck(let ack): length = try ack.bodyLength()
        case .deliver(let deliver): length = try deliver.bodyLength()
        case .deliverAck(let ack): length = try ack.bodyLength()
        case .ping, .pong: length = 0
        case .kick(let kick): length = try kick.bodyLength()
        case .logout(let logout): length = try logout.bodyLength()
        }
        guard length <= CMPVarint.maximum else { throw CMPEncodeError(.messageTooLarge(remainingLength: length)) }
        return length
    }

    /// A `string` field's wire length (the u16 prefix included), or an error naming `field`.
    @inline(__always)
    static func stringLength(_ string: String, _ field: String) throws(CMPEncodeError) -> Int {
        let count = string.utf8.count
        guard count <= Int(UInt16.max) else { throw CMPEncodeError(.stringTooLong(field: field, length: count)) }
        return 2 + count
    }
}
