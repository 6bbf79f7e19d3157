extension JSONLineBuilder {
    /// Writes a run of members whose shape is fixed (a PUBLISH's flags and numbers, a line's
    /// closing `"problems":[]`) with one capacity check for the whole run. Through `key` and
    /// `field` every key and value paid its own check, comma bookkeeping and literal copy, and
    /// those were most of a line's cost besides its payload. `room` bounds what `write` stores:
    /// every store of the run checks it first (`JSONRun`); the run counts as one member for the
    /// commas (its own start with literal commas).
    /// `endingInKey`: the run ends with a key (`,"fields":`) whose value the next call writes.
    @inline(__always)
    mutating func run(room: Int, endingInKey: Bool = false, _ write: (inout JSONRun) -> Void) {
        separate()
        let start = reserve(room)
        var run = JSONRun(start, room: room)
        write(&run)
        count += run.position - start
        if endingInKey { markValuePending() }
    }
}

/// Stores into room `JSONLineBuilder.run` reserved: each function says the most it writes, the
/// run's room is the sum, and each checks that much is left before it stores (in every build: one
/// comparison, against a capacity check, comma bookkeeping and a call per value through `field`).
///
/// SAFETY: callers hold a run only inside `JSONLineBuilder.run`'s closure, over room that call
/// reserved; `ensure` stops the program before any store past `end`.
struct JSONRun {
    private(set) var position: UnsafeMutablePointer<UInt8>
    /// One past the last byte of the room.
    private let end: UnsafeMutablePointer<UInt8>

    init(_ position: UnsafeMutablePointer<UInt8>, room: Int) {
        self.position = position
        end = position + room
    }

    /// Stops the program before a store of `count` bytes could pass the room.
    @inline(__always)
    private func ensure(_ count: Int) {
        precondition(end - position >= count, "a JSON run would write past its room")
    }

    /// Writes `text`'s bytes, which are JSON already (`,"qos":`): at most its length.
    @inline(__always)
    mutating func literal(_ text: StaticString) {
        ensure(text.utf8CodeUnitCount)
        UnsafeMutableRawPointer(position).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
        position += text.utf8CodeUnitCount
    }

    /// Writes what `other` holds, JSON already: at most its `count`.
    @inline(__always)
    mutating func bytes(_ other: borrowing JSONLineBuilder) {
        ensure(other.count)
        position.initialize(from: other.base, count: other.count)
        position += other.count
    }

    /// At most `JSONLineBuilder.maximumDecimalSize` bytes.
    @inline(__always)
    mutating func decimal<I: BinaryInteger>(_ value: I) {
        ensure(JSONLineBuilder.maximumDecimalSize)
        guard let wide = Int64(exactly: value) else {
            // Above Int64.max: only an unsigned 64-bit value gets here.
            position += JSONLineBuilder.writeDecimal(magnitude: UInt64(truncatingIfNeeded: value), negative: false, to: position)
            return
        }
        if wide >= 0 && wide < 10 {
            position.pointee = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: wide)
            position += 1
        } else {
            position += JSONLineBuilder.writeDecimal(magnitude: wide.magnitude, negative: wide < 0, to: position)
        }
    }

    /// A number or `null`: at most `JSONLineBuilder.maximumDecimalSize` bytes.
    @inline(__always)
    mutating func decimal<I: BinaryInteger>(_ value: I?) {
        if let value { decimal(value) } else { literal("null") }
    }

    /// `true` or `false`: at most 5 bytes.
    @inline(__always)
    mutating func bool(_ value: Bool) {
        literal(value ? "true" : "false")
    }
}
