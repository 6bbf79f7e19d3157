import NIOCore

/// The generator's payload: a header the receiving side reads back to measure end-to-end
/// latency, then filler. The time is the message's *intended* send time on the monotonic clock
/// (`NIODeadline.now().uptimeNanoseconds`), which sender and receiver share because both run
/// in this process; measuring from the intended time rather than the actual one is what keeps
/// a stalled sender from hiding its own stall (coordinated omission).
enum LoadPayload {
    static let magic: UInt32 = 0x434D_4C44  // "CMLD"
    static let headerSize = 4 + 8 + 8

    static func write(into buffer: inout ByteBuffer, intendedNanoseconds: UInt64, sequence: UInt64, size: Int) {
        buffer.writeInteger(magic)
        buffer.writeInteger(intendedNanoseconds)
        buffer.writeInteger(sequence)
        let filler = max(0, size - headerSize)
        if filler > 0 { buffer.writeRepeatingByte(UInt8(ascii: "x"), count: filler) }
    }

    /// The intended send time of a payload this generator made; nil for anything else.
    static func intendedNanoseconds(in payload: ByteBuffer) -> UInt64? {
        guard payload.readableBytes >= headerSize,
            payload.getInteger(at: payload.readerIndex, as: UInt32.self) == magic
        else { return nil }
        return payload.getInteger(at: payload.readerIndex + 4, as: UInt64.self)
    }
}
