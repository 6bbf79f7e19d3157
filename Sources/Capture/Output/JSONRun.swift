extension JSONLineBuilder {
    /// Writes a run of members whose shape is fixed (a PUBLISH's flags and numbers, a line's
    /// closing `"problems":[]`) with one capacity check for the whole run. Through `key` and
    /// `field` every key and value paid its own check, comma bookkeeping and literal copy, and
    /// those were most of a line's cost besides its payload. `room` bounds what `write` stores;
    /// the run counts as one member for the commas (its own start with literal commas).
    /// `endingInKey`: the run ends with a key (`,"fields":`) whose value the next call writes.
    @inline(__always)
    mutating func run(room: Int, endingInKey: Bool = false, _ write: (inout JSONRun) -> Void) {
        separate()
        var run = JSONRun(reserve(room))
        let start = run.position
        write(&run)
        precondition(run.position - start <= room, "a JSON run wrote past its room")
        count += run.position - start
        if endingInKey { markValuePending() }
    }
}

/// Stores into room `JSONLineBuilder.run` reserved, without checks: each function says the most
/// it writes, and the run's room is the sum.
struct JSONRun {
    private(set) var position: UnsafeMutablePointer<UInt8>

    init(_ position: UnsafeMutablePointer<UInt8>) {
        self.position = position
    }

    /// Writes `text`'s bytes, which are JSON already (`,"qos":`): at most its length.
    @inline(__always)
    mutating func literal(_ text: StaticString) {
        UnsafeMutableRawPointer(position).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
        position += text.utf8CodeUnitCount
    }

    /// Writes what `other` holds, JSON already: at most its `count`.
    @inline(__always)
    mutating func bytes(_ other: borrowing JSONLineBuilder) {
        position.initialize(from: other.base, count: other.count)
        position += other.count
    }

    /// At most `JSONLineBuilder.maximumDecimalSize` bytes.
    @inline(__always)
    mutating func decimal<I: BinaryInteger>(_ value: I) {
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
