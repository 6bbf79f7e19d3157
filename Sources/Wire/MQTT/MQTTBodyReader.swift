import NIOCore

/// Reads the fields of one complete packet, turning a short packet into a typed error that
/// names the field and its stream offset, and collecting the packet's problems.
///
/// It reads the caller's `ByteBuffer` in place, between two indices of its own (`position` and
/// `limit`: the packet's end, or a property block's), through a view of it that shares its
/// storage. `readRest` (a PUBLISH's payload) returns such a view; a view rather than a slice
/// because NIO copies slices that start beyond 16 MiB into a buffer, and a capture file read
/// whole is often larger than that.
///
/// Fields are loaded through `bytes`, the packet's address, which `reading` takes once per
/// packet: each `ByteBuffer` read checks exclusive access to its storage at run time (about a
/// hundred instructions, several times per PUBLISH).
struct MQTTBodyReader {
    /// The caller's buffer (a view sharing its storage), for `readRest`.
    private let buffer: ByteBuffer
    /// The packet's first byte (buffer index `packetStart`), valid inside `reading` only.
    private let bytes: UnsafeRawPointer
    /// The buffer index of the next unread byte.
    private var position: Int
    /// The buffer index where reading stops: the packet's end, or the end of the property
    /// block being read.
    private var limit: Int
    let packetOffset: Int
    let packetLength: Int
    /// The buffer index of the packet's first byte.
    let packetStart: Int
    let type: MQTTPacketType
    /// How the body is laid out: MQTT 5.0 adds properties and reason codes.
    let version: MQTTVersion
    var problems = Problems()
    /// Topics and User Property strings read before, which the next PUBLISH most likely
    /// repeats, when the decoder's caller keeps them.
    let strings: (any MQTTStringCache)?

    /// Runs `body` with a reader of the `length` bytes of `buffer` from its reader index (one
    /// whole packet) positioned after its fixed header; the pointers it reads through live as
    /// long as this call.
    static func reading<Result>(
        packet buffer: ByteBuffer, length: Int, headerLength: Int, packetOffset: Int, type: MQTTPacketType,
        version: MQTTVersion, strings: (any MQTTStringCache)?, _ body: (inout MQTTBodyReader) throws(MQTTDecodeError) -> Result
    ) throws(MQTTDecodeError) -> (Result, Problems) {
        try buffer.withUnsafeReadableBytes { (raw: UnsafeRawBufferPointer) throws(MQTTDecodeError) -> (Result, Problems) in
            // A packet always has its fixed header, so `raw` is never empty.
            var reader = MQTTBodyReader(
                buffer: buffer, bytes: raw.baseAddress!, start: buffer.readerIndex, length: length,
                headerLength: headerLength, packetOffset: packetOffset, type: type, version: version, strings: strings)
            let result = try body(&reader)
            return (result, reader.problems)
        }
    }

    private init(
        buffer: ByteBuffer, bytes: UnsafeRawPointer, start: Int, length: Int, headerLength: Int,
        packetOffset: Int, type: MQTTPacketType, version: MQTTVersion, strings: (any MQTTStringCache)?
    ) {
        self.buffer = buffer
        self.bytes = bytes
        self.strings = strings
        self.packetLength = length
        self.packetStart = start
        self.position = start + headerLength
        self.limit = start + length
        self.packetOffset = packetOffset
        self.type = type
        self.version = version
    }

    /// The stream offset of the next unread byte.
    var offset: Int { packetOffset + position - packetStart }

    /// Bytes left in the packet (or in the property block being read).
    var remaining: Int { limit - position }

    var isV5: Bool { version == .v5 }

    func error(_ kind: MQTTDecodeError.Kind, at offset: Int) -> MQTTDecodeError {
        MQTTDecodeError(kind, offset: offset, packetOffset: packetOffset, packetType: type, packetLength: packetLength)
    }

    func truncated(_ field: String, at offset: Int) -> MQTTDecodeError {
        error(.truncated(field: field), at: offset)
    }

    /// The address of the next `count` bytes, which are then read; nil (nothing read) when
    /// fewer are left.
    @inline(__always)
    private mutating func take(_ count: Int) -> UnsafeRawPointer? {
        guard limit - position >= count else { return nil }
        let at = bytes + (position - packetStart)
        position += count
        return at
    }

    /// A two-byte length prefix; nil (nothing read) when the packet ends first.
    private mutating func takeLength() -> Int? {
        take(2).map { Int(UInt16(bigEndian: $0.loadUnaligned(as: UInt16.self))) }
    }

    /// The next `count` bytes as an array; nil (nothing read) when fewer are left.
    private mutating func takeArray(_ count: Int) -> [UInt8]? {
        take(count).map { Array(UnsafeRawBufferPointer(start: $0, count: count)) }
    }

    mutating func readByte(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt8 {
        guard let at = take(1) else { throw truncated(field(), at: offset) }
        return at.load(as: UInt8.self)
    }

    mutating func readUInt16(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt16 {
        guard let at = take(2) else { throw truncated(field(), at: offset) }
        return UInt16(bigEndian: at.loadUnaligned(as: UInt16.self))
    }

    mutating func readUInt32(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt32 {
        guard let at = take(4) else { throw truncated(field(), at: offset) }
        return UInt32(bigEndian: at.loadUnaligned(as: UInt32.self))
    }

    /// The next byte of a property block, known to be there (`remaining` > 0).
    mutating func readKnownByte() -> UInt8 {
        take(1)!.load(as: UInt8.self)
    }

    /// Limits reading to the next `length` bytes (a property block); returns what
    /// `endNarrowing` needs to lift the limit.
    mutating func narrow(to length: Int) -> Int {
        // The bounds check the buffer's own writer index used to make: `take` trusts `limit`.
        precondition(length >= 0 && length <= remaining, "a property block beyond the packet")
        let end = limit
        limit = position + length
        return end
    }

    mutating func endNarrowing(_ end: Int) {
        limit = end
    }

    /// A packet identifier; 0 is a problem (the spec reserves it).
    mutating func readPacketID() throws(MQTTDecodeError) -> UInt16 {
        let id = try readUInt16("packet identifier")
        if id == 0 { problems.add("packet identifier 0 is not allowed") }
        return id
    }

    /// A variable byte integer inside the body. Non-minimal encodings are a problem here (the
    /// value is still clear); more than four bytes is fatal (where it ends is not).
    mutating func readVariableByteInteger(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> UInt32 {
        let start = offset
        var value: UInt32 = 0
        for index in 0..<4 {
            guard let byte = take(1)?.load(as: UInt8.self) else { throw truncated(field(), at: start) }
            value |= UInt32(byte & 0x7F) << UInt32(7 * index)
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 { problems.add("non-minimal encoding of the \(field())") }
                return value
            }
        }
        throw error(.malformedVariableByteInteger(field: field()), at: start)
    }

    /// A UTF-8 string: kept whatever its bytes; invalid UTF-8 and U+0000 become problems.
    mutating func readString(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> MQTTString {
        let start = offset
        guard let length = takeLength(),
            let bytes = takeArray(length)
        else { throw truncated(field(), at: start) }
        let string = MQTTString(bytes: bytes)
        if !string.isValidUTF8 { problems.add("invalid UTF-8 in \(field())") }
        if string.containsNull { problems.add("U+0000 in \(field())") }
        return string
    }

    /// A PUBLISH's topic name: when the table knows its bytes, the topic read before, sharing
    /// its storage, so the common case allocates nothing and validates nothing.
    mutating func readTopic() throws(MQTTDecodeError) -> MQTTString {
        try readRepeatedString("topic name")
    }

    /// A string packets repeat (a topic, a User Property's name or value), through the table
    /// of strings read before; problems as `readString` reports them.
    mutating func readRepeatedString(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> MQTTString {
        let start = offset
        guard let length = takeLength(),
            let bytes = take(length)
        else {
            throw truncated(field(), at: start)
        }
        let raw = UnsafeRawBufferPointer(start: bytes, count: length)
        let string = strings?.string(raw) ?? MQTTString(bytes: Array(raw))
        if !string.isValidUTF8 { problems.add("invalid UTF-8 in \(field())") }
        if string.containsNull { problems.add("U+0000 in \(field())") }
        return string
    }

    /// Binary data: a two-byte length and that many bytes.
    mutating func readBinary(_ field: @autoclosure () -> String) throws(MQTTDecodeError) -> [UInt8] {
        let start = offset
        guard let length = takeLength(),
            let bytes = takeArray(length)
        else { throw truncated(field(), at: start) }
        return bytes
    }

    /// The rest of the packet as a view sharing the caller's storage (PUBLISH payloads): its
    /// readable bytes are the rest, its indices need not start at 0.
    mutating func readRest() -> ByteBuffer {
        var rest = buffer
        rest.moveWriterIndex(to: limit)
        rest.moveReaderIndex(to: position)
        position = limit
        return rest
    }

    /// The rest of the packet (or of the property block) as an array.
    mutating func readRestBytes() -> [UInt8] {
        takeArray(remaining) ?? []
    }

    /// Records bytes left over where the spec puts nothing more.
    mutating func expectEnd(after field: @autoclosure () -> String) {
        let count = remaining
        if count > 0 {
            problems.add("\(count) unexpected byte\(count == 1 ? "" : "s") after the \(field())")
        }
    }
}
