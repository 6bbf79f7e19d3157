import NIOCore

/// Framing helpers for bytes that are not (yet) a clean stream of packets: a capture that
/// starts mid-connection, loses bytes in a TCP gap, or carries an unknown protocol.
public enum MQTTFraming {
    /// The fixed header of the packet at `buffer`'s reader index, checked as the decoder checks
    /// it (type, flags, minimal length, `maximumPacketSize`); nil while incomplete. For callers
    /// that frame without decoding: counting, or skipping an oversized packet as it streams by.
    /// Error offsets are relative to the reader index.
    public static func fixedHeader(
        in buffer: ByteBuffer, maximumPacketSize: Int = MQTTDecoder.defaultMaximumPacketSize
    ) throws(MQTTDecodeError) -> MQTTFixedHeader? {
        try MQTTFixedHeader.parse(buffer, streamOffset: 0, maximumPacketSize: maximumPacketSize)
    }

    /// The remaining length of the packet whose first byte is at `buffer`'s reader index: its
    /// value and how many bytes encode it. nil while incomplete; throws for a length longer
    /// than four bytes or not minimally encoded (offsets relative to the reader index).
    public static func remainingLength(in buffer: ByteBuffer) throws(MQTTDecodeError) -> (value: Int, byteCount: Int)? {
        switch MQTTFixedHeader.remainingLength(in: buffer, at: buffer.readerIndex + 1) {
        case .incomplete: return nil
        case .length(let value, let byteCount): return (value, byteCount)
        case .tooLong: throw MQTTDecodeError(.remainingLengthTooLong, offset: 1, packetOffset: 0)
        case .nonMinimal(let value, let byteCount):
            throw MQTTDecodeError(.nonMinimalRemainingLength(value: value, byteCount: byteCount), offset: 1, packetOffset: 0)
        }
    }

    /// The first offset (from the reader index) where a packet starts that is believed: it
    /// checks out and so do the packets after it, up to `confirmations` of them, or until the
    /// bytes end exactly at a packet's end or inside a packet whose header checks out.
    ///
    /// A packet "checks out" when its type and flags are valid, its remaining length is minimal,
    /// within `maximumPacketSize` and at least what the type needs, and, when all of it is
    /// there, it decodes without error and without problems in `version` (in 3.1.1 or 5.0 when
    /// nil). One packet alone (no follower) is believed only when it ends the bytes exactly.
    /// nil when no offset qualifies yet: call again with more bytes.
    ///
    /// Cost: each offset is rejected on its first byte in about nine cases out of ten; the
    /// others cost a header check and, for complete candidates, a decode.
    public static func resynchronize(
        _ buffer: ByteBuffer, version: MQTTVersion? = nil,
        maximumPacketSize: Int = MQTTDecoder.defaultMaximumPacketSize, confirmations: Int = 2
    ) -> Int? {
        let versions: [MQTTVersion] = version.map { [$0] } ?? [.v3_1_1, .v5]
        let rules = MQTTFramingRules(versions: versions, limit: maximumPacketSize)
        return FramingScanner(rules, buffer: buffer, confirmations: confirmations).firstBoundary()
    }

    /// `resynchronize` over an array.
    public static func resynchronize(
        _ bytes: [UInt8], version: MQTTVersion? = nil,
        maximumPacketSize: Int = MQTTDecoder.defaultMaximumPacketSize, confirmations: Int = 2
    ) -> Int? {
        resynchronize(
            ByteBuffer(bytes: bytes), version: version, maximumPacketSize: maximumPacketSize,
            confirmations: confirmations)
    }

    /// The version of the CONNECT the bytes start with, for detecting MQTT by content:
    /// 0x10, a minimal remaining length, then 00 04 "MQTT" with level 4 or 5, or 00 06 "MQIsdp"
    /// with level 3 (a Mosquitto bridge's 0x80 bit allowed). nil for anything else or too few bytes.
    public static func looksLikeConnect(_ buffer: ByteBuffer) -> MQTTVersion? {
        let start = buffer.readerIndex
        guard buffer.getInteger(at: start, as: UInt8.self) == 0x10,
            case .length(let remaining, let byteCount) = MQTTFixedHeader.remainingLength(in: buffer, at: start + 1)
        else { return nil }
        let name = start + 1 + byteCount
        switch buffer.getInteger(at: name, as: UInt16.self) {
        case 4:
            guard remaining >= 12, buffer.getInteger(at: name + 2, as: UInt32.self) == 0x4D51_5454,  // "MQTT"
                let level = buffer.getInteger(at: name + 6, as: UInt8.self)
            else { return nil }
            switch level & 0x7F {
            case 4: return .v3_1_1
            case 5: return .v5
            default: return nil
            }
        case 6:
            guard remaining >= 14, buffer.getInteger(at: name + 2, as: UInt32.self) == 0x4D51_4973,  // "MQIs"
                buffer.getInteger(at: name + 6, as: UInt16.self) == 0x6470,  // "dp"
                let level = buffer.getInteger(at: name + 8, as: UInt8.self), level & 0x7F == 3
            else { return nil }
            return .v3_1
        default:
            return nil
        }
    }

    /// `looksLikeConnect` over an array.
    public static func looksLikeConnect(_ bytes: [UInt8]) -> MQTTVersion? {
        looksLikeConnect(ByteBuffer(bytes: bytes))
    }
}

/// MQTT's checks behind `MQTTFraming.resynchronize`.
struct MQTTFramingRules: FramingRules {
    /// The versions a complete packet may decode in (one, once the stream's is known).
    let versions: [MQTTVersion]
    let limit: Int

    func header(in view: ByteBuffer) throws(MQTTDecodeError) -> MQTTFixedHeader? {
        try MQTTFixedHeader.parse(view, streamOffset: 0, maximumPacketSize: limit)
    }

    func isPlausible(_ header: MQTTFixedHeader) -> Bool {
        header.remainingLength >= Self.minimumRemainingLength(header)
            && (header.type != .pingRequest && header.type != .pingResponse || header.remainingLength == 0)
    }

    func messageLength(_ header: MQTTFixedHeader) -> Int { header.packetLength }

    /// For a PUBLISH: whether its topic length, when present, fits in the remaining length.
    func visibleFieldsFit(_ view: ByteBuffer, _ header: MQTTFixedHeader) -> Bool {
        guard header.type == .publish,
            let topicLength = view.getInteger(at: view.readerIndex + header.headerLength, as: UInt16.self)
        else { return true }
        let packetIDLength = header.flags & 0b0110 == 0 ? 0 : 2
        return 2 + Int(topicLength) + packetIDLength <= header.remainingLength
    }

    func decodesCleanly(_ view: ByteBuffer) -> Bool {
        for version in versions {
            var decoder = MQTTDecoder(version: version, maximumPacketSize: limit)
            var packet = view
            if let decoded = try? decoder.decode(buffer: &packet), decoded.problems.isEmpty { return true }
        }
        return false
    }

    /// The fewest body bytes a packet of the header's type can have in any version.
    static func minimumRemainingLength(_ header: MQTTFixedHeader) -> Int {
        switch header.type {
        case .connect: return 12
        case .connAck, .pubAck, .pubRec, .pubRel, .pubComp, .unsubAck: return 2
        case .publish: return header.flags & 0b0110 == 0 ? 2 : 4
        case .subscribe: return 5
        case .subAck: return 3
        case .unsubscribe: return 4
        case .pingRequest, .pingResponse, .disconnect, .auth: return 0
        }
    }
}
