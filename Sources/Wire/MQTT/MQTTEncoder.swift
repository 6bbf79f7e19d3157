import NIOCore

/// Encodes packets for one protocol version, always in the spec's canonical form: the flags
/// the body implies and minimal variable byte integers.
///
/// For tests (round trips), the load tool and any server built on `Wire`. CONNECT follows its
/// own protocol level, as the decoder does; every other packet follows `version`. Something
/// the version cannot carry (properties in 3.1.1, AUTH) throws rather than being dropped, and a
/// failed encode leaves the buffer as it was.
public struct MQTTEncoder: Sendable {
    public var version: MQTTVersion

    public init(version: MQTTVersion) { self.version = version }

    /// Appends `packet` to `buffer` (its `flags`, `wireLength` and `problems` are ignored).
    public func encode(_ packet: MQTTPacket, into buffer: inout ByteBuffer) throws(MQTTEncodeError) {
        try encode(packet.body, into: &buffer)
    }

    /// Appends a packet with `body` to `buffer`.
    public func encode(_ body: MQTTPacket.Body, into buffer: inout ByteBuffer) throws(MQTTEncodeError) {
        let start = buffer.writerIndex
        do throws(MQTTEncodeError) {
            if case .publish(let publish) = body, !publish.qos.isValid {
                throw MQTTEncodeError(.invalidQoS(publish.qos.rawValue))
            }
            buffer.writeInteger(body.type.rawValue << 4 | body.standardFlags)
            try buffer.writeMQTTLengthPrefixed("remaining length") { (buffer: inout ByteBuffer) throws(MQTTEncodeError) in
                try encodeBody(body, into: &buffer)
            }
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
    }

    /// A new buffer holding the packet with `body`.
    public func encode(_ body: MQTTPacket.Body) throws(MQTTEncodeError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(body, into: &buffer)
        return buffer
    }

    private func encodeBody(_ body: MQTTPacket.Body, into buffer: inout ByteBuffer) throws(MQTTEncodeError) {
        switch body {
        case .connect(let connect): try connect.encode(into: &buffer)
        case .connAck(let connAck): try connAck.encode(into: &buffer, version: version)
        case .publish(let publish): try publish.encode(into: &buffer, version: version)
        case .pubAck(let ack), .pubRec(let ack), .pubRel(let ack), .pubComp(let ack):
            try ack.encode(into: &buffer, version: version)
        case .subscribe(let subscribe): try subscribe.encode(into: &buffer, version: version)
        case .subAck(let subAck): try subAck.encode(into: &buffer, version: version)
        case .unsubscribe(let unsubscribe): try unsubscribe.encode(into: &buffer, version: version)
        case .unsubAck(let unsubAck): try unsubAck.encode(into: &buffer, version: version)
        case .pingRequest, .pingResponse: break
        case .disconnect(let disconnect): try disconnect.encode(into: &buffer, version: version)
        case .auth(let auth): try auth.encode(into: &buffer, version: version)
        }
    }
}

/// The thin SwiftNIO shell: `MessageToByteHandler(MQTTEncoder(version: .v5))`.
extension MQTTEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MQTTPacket

    public func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        try encode(data, into: &out)
    }
}
