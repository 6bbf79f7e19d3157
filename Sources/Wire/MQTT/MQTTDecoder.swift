import NIOCore

// # MQTT codec (MQTT 3.1, 3.1.1 and 5.0)
//
// One codec for the capture decoder (`cmtune decode`, hostile input, millions of packets) and
// for anything in cmtune that speaks MQTT, so what the decoder shows is what the code speaks.
//
// ## Decoding
//
//     var decoder = MQTTDecoder()                    // version unknown: read as 3.1.1
//     while let packet = try decoder.decode(buffer: &buffer) {
//         print(packet.type.name, packet.body, packet.problems)
//     }
//
// - `MQTTDecoder.decode(buffer:)` returns one `MQTTPacket` and consumes exactly its bytes, or
//   returns nil, leaving the reader index alone, until the buffer holds a whole packet. It
//   keeps no bytes itself: the caller's buffer is the only buffer, and the decoder refuses a
//   packet larger than `maximumPacketSize` (default 16 MiB) as soon as its fixed header is in,
//   so the caller never buffers more than that (`awaitedPacketLength` says what it waits for).
// - `MQTTPacket`: `type` (`MQTTPacketType`, with the spec's `name`), fixed-header `flags`,
//   `body` (`MQTTPacket.Body`: `.connect(Connect)`, `.connAck(ConnAck)`, `.publish(Publish)`,
//   `.pubAck/.pubRec/.pubRel/.pubComp(Ack)`, `.subscribe(Subscribe)`, `.subAck(SubAck)`,
//   `.unsubscribe(Unsubscribe)`, `.unsubAck(UnsubAck)`, `.pingRequest`, `.pingResponse`,
//   `.disconnect(Disconnect)`, `.auth(Auth)`), `wireLength` and `problems`.
// - Strings are `MQTTString`: the bytes as sent, `isValidUTF8`, `containsNull`, and `text`.
// - MQTT 5.0 properties are `MQTTProperties` (in wire order) of `MQTTProperty` (an
//   `MQTTPropertyID` with `name`, JSON `key` and `valueKind`, and an `MQTTPropertyValue`).
// - Reason codes are `MQTTReasonCode`; `MQTTReasonCode.name(_:in:version:)` names any code in
//   any packet ("Success", "Normal disconnection", "Granted QoS 1", "Connection Refused, not
//   authorized" for 3.x CONNACK).
// - The NIO shell: `ByteToMessageHandler(MQTTDecoder())`, `MessageToByteHandler(MQTTEncoder(...))`.
//
// ## Fatal errors and problems
//
// A capture decoder must keep going, so the rule is: throw only when the bytes cannot be read
// as a packet; when the packet frames correctly but breaks a rule, return it with a problem.
//
// Fatal (`MQTTDecodeError`, thrown, reader index untouched):
// - in the fixed header: reserved type 0, flags the type does not allow (PUBREL, SUBSCRIBE,
//   UNSUBSCRIBE need 0b0010, the others 0, PUBLISH no QoS 3), a remaining length longer than
//   four bytes or not minimally encoded (0x80 0x00), a packet over `maximumPacketSize`.
//   The stream position is then suspect: `packetLength` is nil (except for an oversized packet
//   whose header is sound) and the caller resynchronizes with `MQTTFraming.resynchronize`.
// - in the body: a field that runs past the packet's end (the error names the field, e.g. the
//   packet identifier of a QoS 1 PUBLISH), a property block longer than the packet, an
//   unknown property id (its value's length is unknown), a variable byte integer over four
//   bytes. The framing is intact: `packetLength` is set and the caller can skip the packet.
//
// Problems (`MQTTPacket.problems`, the packet is returned): invalid UTF-8 or U+0000 in a
// string ("invalid UTF-8 in topic name"), a repeated property other than User Property (and
// Subscription Identifier in PUBLISH; the first is kept), a property outside its packets, an
// out-of-range property value, reserved bits set (CONNECT flags, CONNACK flags, subscription
// options), QoS 3 or Retain Handling 3 in options, packet identifier 0, reason codes a packet
// may not carry, trailing bytes where the spec has none, empty SUBSCRIBE/UNSUBSCRIBE, a topic
// name with wildcards or empty without an alias, DUP on QoS 0, AUTH outside MQTT 5.0, an
// unknown protocol name or level. At most 32 are listed per packet.
//
// ## Versions
//
// The layout of every packet after CONNECT depends on the version. A CONNECT sets `version` on
// the decoder that read it (to its protocol level); the caller copies it to the decoder of the
// other direction. When a capture starts after CONNECT, `version` is nil and packets are read
// as `assumedVersion` (3.1.1 unless set); `effectiveVersion` and `isVersionAssumed` say which.
// MQTT 3.1 (`MQIsdp`, level 3) is read like 3.1.1; CONNECT always follows its own level.
//
// ## Encoding and framing
//
// - `MQTTEncoder(version:)` writes any packet in canonical form (minimal lengths).
// - `MQTTFraming.fixedHeader(in:)` and `.remainingLength(in:)` (framing without decoding),
//   `.resynchronize(_:)` (the first offset where packets that check out follow one another,
//   to resume after a TCP gap) and `.looksLikeConnect(_:)` (protocol detection by content).
//
// ## Cost
//
// A packet is parsed from a view of the caller's buffer (same storage, other indices; NIO
// copies slices past 16 MiB, views never): the PUBLISH payload is such a view
// (never copied), a topic is one array; no Foundation, no per-byte closures. Lists inside a
// packet (properties, subscriptions, reason codes) take at least one byte each, so any packet
// costs O(its bytes).

/// The incremental MQTT decoder for one direction of one connection (see the notes above).
public struct MQTTDecoder {
    /// The default `maximumPacketSize`: 16 MiB, far above what brokers accept by default.
    public static let defaultMaximumPacketSize = 16 * 1024 * 1024

    /// The connection's version: set by a CONNECT this decoder reads, or by the caller from the
    /// other direction's decoder. nil until known.
    public var version: MQTTVersion?
    /// How to read packets while `version` is nil; nil means MQTT 3.1.1.
    public var assumedVersion: MQTTVersion?
    /// The largest packet (fixed header included) the decoder accepts.
    public var maximumPacketSize: Int
    /// The stream offset of the next byte `decode` reads, for error messages. Advanced by each
    /// decoded packet; a caller that skips bytes itself adds them (or uses `discard`).
    public var streamOffset: Int
    /// The whole length of the packet `decode` is waiting for, once its fixed header is in;
    /// never more than `maximumPacketSize`. nil when waiting for a fixed header.
    public private(set) var awaitedPacketLength: Int?
    /// Where PUBLISH topics (and User Property strings) come from when the caller keeps the ones
    /// read before: a connection mostly repeats them, and reusing their storage spares an
    /// allocation and a UTF-8 check per message. nil: every string is made anew.
    public let strings: (any MQTTStringCache)?

    public init(
        version: MQTTVersion? = nil, assumedVersion: MQTTVersion? = nil,
        maximumPacketSize: Int = MQTTDecoder.defaultMaximumPacketSize, streamOffset: Int = 0,
        strings: (any MQTTStringCache)? = nil
    ) {
        self.strings = strings
        self.version = version
        self.assumedVersion = assumedVersion
        self.maximumPacketSize = maximumPacketSize
        self.streamOffset = streamOffset
    }

    /// The version packets are read as: `version`, else `assumedVersion`, else 3.1.1.
    public var effectiveVersion: MQTTVersion { version ?? assumedVersion ?? .v3_1_1 }

    /// True while the version is a guess (no CONNECT seen, none given).
    public var isVersionAssumed: Bool { version == nil }

    /// Decodes one packet from the front of `buffer`.
    ///
    /// Returns nil, leaving `buffer` untouched, when it does not hold a whole packet yet. On
    /// success consumes exactly the packet's bytes. On error throws without consuming (see the
    /// notes above for what is fatal and how to go on).
    public mutating func decode(buffer: inout ByteBuffer) throws(MQTTDecodeError) -> MQTTPacket? {
        guard
            let header = try MQTTFixedHeader.parse(
                buffer, streamOffset: streamOffset, maximumPacketSize: maximumPacketSize)
        else {
            awaitedPacketLength = nil
            return nil
        }
        let length = header.packetLength
        guard buffer.readableBytes >= length else {
            awaitedPacketLength = length
            return nil
        }
        awaitedPacketLength = nil
        let (body, problems) = try MQTTBodyReader.reading(
            packet: buffer, length: length, headerLength: header.headerLength, packetOffset: streamOffset, type: header.type,
            version: effectiveVersion, strings: strings
        ) { (reader: inout MQTTBodyReader) throws(MQTTDecodeError) in
            try MQTTDecoder.decodeBody(&reader, flags: header.flags)
        }
        if case .connect(let connect) = body, let announced = connect.announcedVersion {
            version = announced
        }
        buffer.moveReaderIndex(forwardBy: length)
        streamOffset += length
        return MQTTPacket(body: body, flags: header.flags, wireLength: length, problems: problems.result())
    }

    /// Drops up to `count` bytes from the front of `buffer` (after a framing-intact error, or to
    /// a resynchronized offset) and advances `streamOffset`; returns how many it dropped.
    @discardableResult
    public mutating func discard(_ count: Int, from buffer: inout ByteBuffer) -> Int {
        let dropped = min(max(count, 0), buffer.readableBytes)
        buffer.moveReaderIndex(forwardBy: dropped)
        streamOffset += dropped
        awaitedPacketLength = nil
        return dropped
    }

    private static func decodeBody(_ reader: inout MQTTBodyReader, flags: UInt8) throws(MQTTDecodeError) -> MQTTPacket.Body {
        switch reader.type {
        case .connect: return .connect(try MQTTPacket.Connect(from: &reader))
        case .connAck: return .connAck(try MQTTPacket.ConnAck(from: &reader))
        case .publish: return .publish(try MQTTPacket.Publish(from: &reader, flags: flags))
        case .pubAck: return .pubAck(try MQTTPacket.Ack(from: &reader))
        case .pubRec: return .pubRec(try MQTTPacket.Ack(from: &reader))
        case .pubRel: return .pubRel(try MQTTPacket.Ack(from: &reader))
        case .pubComp: return .pubComp(try MQTTPacket.Ack(from: &reader))
        case .subscribe: return .subscribe(try MQTTPacket.Subscribe(from: &reader))
        case .subAck: return .subAck(try MQTTPacket.SubAck(from: &reader))
        case .unsubscribe: return .unsubscribe(try MQTTPacket.Unsubscribe(from: &reader))
        case .unsubAck: return .unsubAck(try MQTTPacket.UnsubAck(from: &reader))
        case .pingRequest:
            reader.expectEnd(after: "fixed header")
            return .pingRequest
        case .pingResponse:
            reader.expectEnd(after: "fixed header")
            return .pingResponse
        case .disconnect: return .disconnect(try MQTTPacket.Disconnect(from: &reader))
        case .auth: return .auth(try MQTTPacket.Auth(from: &reader))
        }
    }
}
