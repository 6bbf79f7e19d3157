/// Writes JSON objects straight into bytes, one per line, without building a tree first.
///
/// `decode --json` emits an object per protocol message, hundreds of megabytes of them for a
/// large capture (bench/README.md), so this is the hottest code of a decode. It writes through a raw pointer into memory
/// it owns: each call reserves the most it can write once (an escaped string at most six bytes
/// per input byte), then stores without further checks. With an array, every byte appended paid
/// for a uniqueness check and a capacity check, and that was most of a decode's time.
/// Noncopyable, so the memory has exactly one owner and no copy-on-write check is needed.
///
/// SAFETY: every store goes through `reserve(n)` (or a `JSONRun` over reserved room) before it
/// writes, so `count` never passes `capacity`; `withUnsafeBytes`' buffer must not outlive the call.
public struct JSONLineBuilder: ~Copyable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    public internal(set) var count = 0
    /// Whether the next value at each open level needs a comma first, as bits (level 0 is the
    /// lowest bit), so opening and closing a level touches no array.
    private var commaBits: UInt64 = 0
    /// Open objects and arrays; JSON from cmtune never nests deeper than 64.
    private var depth = 0
    /// The last `timestamp` seconds, and its digits (the first `cachedSecondsCount` bytes).
    private var cachedSeconds = Int64.min
    private var cachedSecondsDigits: SecondsDigits = (0, 0, 0)
    private var cachedSecondsCount = 0
    /// Room for the digits and sign of any `Int64`, stored at once.
    private typealias SecondsDigits = (UInt64, UInt64, UInt64)

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// A copy of what was written (tests, small documents; `decode` uses `withUnsafeBytes`).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    public var isEmpty: Bool { count == 0 }

    /// Bytes of memory held, written or not (it grows to the longest run of lines written).
    public var allocatedCapacity: Int { capacity }

    /// What was written, for the duration of `body` (to hand it to write(2) without a copy).
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public mutating func removeAll() {
        count = 0
        commaBits = 0
        depth = 0
    }

    /// Appends bytes that are already valid JSON: a cached value, or cached `"key":value` pairs
    /// spliced into the current object (they count as one member for the commas).
    public mutating func raw(_ json: [UInt8]) {
        separate()
        json.withUnsafeBytes { append($0) }
    }

    /// Appends what another builder holds, like `raw(_:)` with bytes.
    public mutating func raw(_ other: borrowing JSONLineBuilder) {
        separate()
        other.withUnsafeBytes { append($0) }
    }

    /// Holds exactly `bytes` from now on (a cache of a line's constant part).
    mutating func replace(with bytes: [UInt8]) {
        removeAll()
        bytes.withUnsafeBytes { append($0) }
    }

    // MARK: Structure

    public mutating func beginObject() {
        separate()
        append(UInt8(ascii: "{"))
        open()
    }

    public mutating func endObject() {
        append(UInt8(ascii: "}"))
        depth -= 1
    }

    public mutating func beginArray() {
        separate()
        append(UInt8(ascii: "["))
        open()
    }

    public mutating func endArray() {
        append(UInt8(ascii: "]"))
        depth -= 1
    }

    private mutating func open() {
        precondition(depth < 64, "JSON nested deeper than 64 levels")
        depth += 1
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    /// Ends a top-level value with a newline (JSON lines).
    public mutating func endLine() {
        append(UInt8(ascii: "\n"))
    }

    /// A line of text as it is, and a newline: the text output of a decode shares this
    /// builder's memory and hand-off with the JSON output.
    public mutating func textLine(_ text: String) {
        append(text)
        append(UInt8(ascii: "\n"))
    }

    /// A key in the current object; the next call writes its value.
    @inline(__always)
    public mutating func key(_ name: StaticString) {
        separate()
        name.withUTF8Buffer { name in
            let out = reserve(name.count + 3)
            out[0] = UInt8(ascii: "\"")
            (out + 1).initialize(from: name.baseAddress!, count: name.count)
            out[name.count + 1] = UInt8(ascii: "\"")
            out[name.count + 2] = UInt8(ascii: ":")
            count += name.count + 3
        }
        markValuePending()
    }

    /// A key that is not a literal (a property or header name): escaped like any string.
    public mutating func key(dynamic name: String) {
        separate()
        appendQuoted(name)
        append(UInt8(ascii: ":"))
        markValuePending()
    }

    // MARK: Values

    public mutating func null() {
        run(room: 4) { $0.literal("null") }
    }

    public mutating func bool(_ value: Bool) {
        run(room: 5) { $0.bool(value) }
    }

    public mutating func int<I: BinaryInteger>(_ value: I) {
        separate()
        appendDecimal(Int64(truncatingIfNeeded: value))
    }

    /// A 64-bit unsigned number (CMP's ids and times): `int` would wrap one above `Int64.max`.
    public mutating func unsigned(_ value: UInt64) {
        separate()
        appendDecimal(magnitude: value, negative: false)
    }

    /// A number with up to `decimals` digits after the point (latencies in milliseconds).
    public mutating func number(_ value: Double, decimals: Int = 3) {
        separate()
        guard value.isFinite else { return append("null" as StaticString) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * scale).rounded()
        // Beyond 64-bit integers (no capture time gets there, but nothing here should trap):
        // Swift's own rendering, which is a valid JSON number.
        guard abs(scaled) < 9.0e18 else { return append(value.description) }
        let whole = Int64(scaled / scale)
        var fraction = Int64(abs(scaled - Double(whole) * scale))
        if value < 0 && whole == 0 { append(UInt8(ascii: "-")) }
        appendDecimal(whole)
        guard decimals > 0, fraction > 0 else { return }
        // The fraction's digits with its trailing zeros dropped, written backwards in place.
        var kept = decimals
        while kept > 0, fraction % 10 == 0 {
            fraction /= 10
            kept -= 1
        }
        let out = reserve(kept + 1)
        out[0] = UInt8(ascii: ".")
        for index in stride(from: kept, through: 1, by: -1) {
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: fraction % 10)
            fraction /= 10
        }
        count += kept + 1
    }

    /// `seconds.micros` with six digits, without floating point. The seconds' digits are kept
    /// from the last call: every line starts with a time, and a capture's lines share their
    /// second by the thousand.
    public mutating func timestamp(seconds: Int64, microseconds: Int) {
        separate()
        if seconds == cachedSeconds {
            let out = UnsafeMutableRawPointer(reserve(MemoryLayout.size(ofValue: cachedSecondsDigits)))
            out.storeBytes(of: cachedSecondsDigits, as: SecondsDigits.self)
            count += cachedSecondsCount
        } else {
            let start = count
            appendDecimal(seconds)
            if count - start <= MemoryLayout<SecondsDigits>.size {
                cachedSeconds = seconds
                cachedSecondsCount = count - start
                withUnsafeMutableBytes(of: &cachedSecondsDigits) { cache in
                    cache.baseAddress!.copyMemory(from: base + start, byteCount: count - start)
                }
            }
        }
        // The fraction written in place, not through `zeroPadded`: one reservation for the point
        // and six digits is measurably cheaper on the line every message has.
        let out = reserve(7)
        out[0] = UInt8(ascii: ".")
        var value = max(0, min(microseconds, 999_999))
        for index in stride(from: 6, through: 1, by: -1) {
            out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10)
            value /= 10
        }
        count += 7
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
    }

    /// A string given as bytes already known to be valid UTF-8.
    public mutating func string<C: Collection>(utf8 value: C) where C.Element == UInt8 {
        separate()
        if value.withContiguousStorageIfAvailable({ appendQuoted(UnsafeRawBufferPointer($0)) }) == nil {
            Array(value).withUnsafeBytes { appendQuoted($0) }
        }
    }

    public mutating func string(_ value: StaticString) {
        separate()
        append(UInt8(ascii: "\""))
        value.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
        append(UInt8(ascii: "\""))
    }

    /// Bytes as standard base64 in a string.
    public mutating func base64<C: Collection>(_ value: C) where C.Element == UInt8 {
        separate()
        if value.withContiguousStorageIfAvailable({ appendBase64(UnsafeRawBufferPointer($0)) }) == nil {
            Array(value).withUnsafeBytes { appendBase64($0) }
        }
    }

    // MARK: Fields: a key and its value in one call

    public mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: StaticString) {
        key(name)
        string(value)
    }

    public mutating func field<I: BinaryInteger>(_ name: StaticString, _ value: I?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        key(name)
        if let value { bool(value) } else { null() }
    }

    // MARK: Writing bytes

    /// Room for `size` more bytes; the caller stores them and adds to `count`.
    @inline(__always)
    mutating func reserve(_ size: Int) -> UnsafeMutablePointer<UInt8> {
        if count + size > capacity { grow(to: count + size) }
        return base + count
    }

    /// Room for `size` bytes in all, allocated afresh while nothing is written (no copy), so a
    /// caller that knows about how much is coming does not pay for doubling up to it.
    public mutating func reserveCapacity(_ size: Int) {
        guard size > capacity else { return }
        if count == 0 {
            base.deallocate()
            base = .allocate(capacity: size)
            capacity = size
        } else {
            grow(to: size)
        }
    }

    private mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1).pointee = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        UnsafeMutableRawPointer(reserve(bytes.count)).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    mutating func separate() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth - 1)
        if commaBits & bit != 0 { append(UInt8(ascii: ",")) }
        commaBits |= bit
    }

    /// After a key the value must not add a comma: the next `separate` sees "false".
    @inline(__always)
    mutating func markValuePending() {
        commaBits &= ~(1 << UInt64(depth - 1))
    }

    mutating func appendDecimal(_ value: Int64) {
        appendDecimal(magnitude: value.magnitude, negative: value < 0)
    }

    private mutating func appendDecimal(magnitude: UInt64, negative: Bool) {
        if magnitude < 10 && !negative { return append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude)) }
        count += Self.writeDecimal(magnitude: magnitude, negative: negative, to: reserve(Self.maximumDecimalSize))
    }

    /// The most bytes `writeDecimal` writes: a sign and twenty digits.
    static let maximumDecimalSize = 21

    /// Digits written backwards straight into place, two at a time, after counting them; returns
    /// how many bytes were written.
    @inline(__always)
    static func writeDecimal(magnitude: UInt64, negative: Bool, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var digits = 1
        var power: UInt64 = 10
        while magnitude >= power {
            digits += 1
            if digits == 20 { break }
            power &*= 10
        }
        let size = digits + (negative ? 1 : 0)
        if negative { out[0] = UInt8(ascii: "-") }
        var value = magnitude
        var index = size
        DecimalPairs.table.withUnsafeBufferPointer { pairs in
            while value >= 100 {
                let pair = pairs[Int(truncatingIfNeeded: value % 100)]
                value /= 100
                index -= 2
                UnsafeMutableRawPointer(out + index).storeBytes(of: pair, as: UInt16.self)
            }
            if value >= 10 {
                index -= 2
                UnsafeMutableRawPointer(out + index).storeBytes(of: pairs[Int(truncatingIfNeeded: value)], as: UInt16.self)
            } else {
                index -= 1
                out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value)
            }
        }
        return size
    }

    private mutating func appendQuoted(_ text: String) {
        var text = text
        text.withUTF8 { appendQuoted(UnsafeRawBufferPointer($0)) }
    }

    /// `text` (UTF-8) as a JSON string: quotes, backslashes, controls and DEL escaped. Clean
    /// eight-byte words (nearly all text) are copied whole.
    private mutating func appendQuoted(_ text: UnsafeRawBufferPointer) {
        _ = appendQuoted(text, checkingUTF8: false)
    }

    /// `text` as a JSON string when it is valid UTF-8; otherwise nothing is written and the
    /// result is false, for the caller to write it another way (base64). ASCII words are checked
    /// as they are escaped, so a payload of ASCII text is read once, not validated first and
    /// escaped after; from the first byte above 0x7F on, the rest is validated before it is
    /// escaped.
    public mutating func string(ifUTF8 text: UnsafeRawBufferPointer) -> Bool {
        let (savedCount, savedCommaBits) = (count, commaBits)
        separate()
        if appendQuoted(text, checkingUTF8: true) { return true }
        (count, commaBits) = (savedCount, savedCommaBits)
        return false
    }

    /// The quoted string, or, when checking and the text is not UTF-8, false with the count
    /// unchanged (what was stored past it is garbage the next write overwrites).
    @inline(__always)
    private mutating func appendQuoted(_ text: UnsafeRawBufferPointer, checkingUTF8: Bool) -> Bool {
        let start = reserve(text.count * 6 + 2)
        var out = start
        out.pointee = UInt8(ascii: "\"")
        out += 1
        var index = 0
        Self.escapeWords(text, &index, &out, stoppingAtNonASCII: checkingUTF8)
        if checkingUTF8 && index < text.count {
            guard UTF8Check.isValid(UnsafeRawBufferPointer(rebasing: text[index...])) else { return false }
            Self.escapeWords(text, &index, &out, stoppingAtNonASCII: false)
        }
        Self.escapeRest(text, index, &out)
        count += out - start
        return true
    }

    /// Escapes whole eight-byte words of `text` from `index` to `out`, advancing both; stops
    /// before the last partial word, or before a word with a byte above 0x7F when asked to.
    @inline(__always)
    private static func escapeWords(
        _ text: UnsafeRawBufferPointer, _ index: inout Int, _ out: inout UnsafeMutablePointer<UInt8>, stoppingAtNonASCII: Bool
    ) {
        let total = text.count
        while index + 8 <= total {
            // Little-endian, so the lowest byte of the word is the first of the text.
            let word = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            if stoppingAtNonASCII && word & 0x8080_8080_8080_8080 != 0 { return }
            // Eight bytes are stored whatever they hold; `out` then advances past the clean ones
            // only, and the byte to escape (if any) is written over the rest.
            UnsafeMutableRawPointer(out).storeBytes(of: word.littleEndian, as: UInt64.self)
            let escapes = JSONEscape.mask(word)
            if escapes == 0 {
                out += 8
                index += 8
                continue
            }
            let clean = escapes.trailingZeroBitCount >> 3
            out = JSONEscape.write(text[index + clean], to: out + clean)
            index += clean + 1
        }
    }

    /// The bytes of `text` from `index` one by one, and the closing quote.
    @inline(__always)
    private static func escapeRest(_ text: UnsafeRawBufferPointer, _ index: Int, _ out: inout UnsafeMutablePointer<UInt8>) {
        for position in index..<text.count { out = JSONEscape.write(text[position], to: out) }
        out.pointee = UInt8(ascii: "\"")
        out += 1
    }

    /// Standard base64 (RFC 4648, with padding) in quotes.
    private mutating func appendBase64(_ input: UnsafeRawBufferPointer) {
        let size = (input.count + 2) / 3 * 4 + 2
        let out = reserve(size)
        out[0] = UInt8(ascii: "\"")
        Base64.encode(input, to: out + 1)
        out[size - 1] = UInt8(ascii: "\"")
        count += size
    }
}

/// The two digits of 0 to 99, as they lie in memory.
enum DecimalPairs {
    static let table: [UInt16] = (0..<100).map { value in
        (UInt16(UInt8(ascii: "0") + UInt8(value / 10)) | UInt16(UInt8(ascii: "0") + UInt8(value % 10)) << 8).littleEndian
    }
}

/// What a JSON string must escape, and how.
enum JSONEscape {
    /// The bytes of a little-endian word that need escaping (control characters, `"`, `\\`,
    /// DEL), as their high bits: the classic SWAR "has a zero byte" trick on the word and on its
    /// XORs. Only the lowest flagged byte is exact (a borrow can flag bytes above it), and only
    /// it is used.
    @inline(__always)
    static func mask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeros(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
        let controls = (word &- ones &* 0x20) & ~word & highs
        return controls | zeros(word ^ (ones &* 0x22)) | zeros(word ^ (ones &* 0x5C)) | zeros(word ^ (ones &* 0x7F))
    }

    /// Writes `byte`, escaped when it must be (at most six bytes), and returns the next position.
    @inline(__always)
    static func write(_ byte: UInt8, to out: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != 0x7F {
            out.pointee = byte
            return out + 1
        }
        out[0] = UInt8(ascii: "\\")
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out[1] = byte
        case 0x0A: out[1] = UInt8(ascii: "n")
        case 0x0D: out[1] = UInt8(ascii: "r")
        case 0x09: out[1] = UInt8(ascii: "t")
        default:
            out[1] = UInt8(ascii: "u")
            out[2] = UInt8(ascii: "0")
            out[3] = UInt8(ascii: "0")
            out[4] = hexDigit(byte >> 4)
            out[5] = hexDigit(byte & 0xF)
            return out + 6
        }
        return out + 2
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

/// Standard base64 (RFC 4648, with padding), for payloads that are not UTF-8.
public enum Base64 {
    public static func encode<C: Collection>(_ input: C) -> String where C.Element == UInt8 {
        let bytes = Array(input)
        return String(unsafeUninitializedCapacity: (bytes.count + 2) / 3 * 4) { output in
            bytes.withUnsafeBytes { encode($0, to: output.baseAddress!) }
            return (bytes.count + 2) / 3 * 4
        }
    }

    /// Four output bytes per three input bytes, at `output`, which has room for them: each
    /// twelve bits become two symbols at once through `pairs`, and six input bytes (one
    /// unaligned eight-byte load) become eight symbols (one eight-byte store).
    static func encode(_ input: UnsafeRawBufferPointer, to output: UnsafeMutablePointer<UInt8>) {
        pairs.withUnsafeBufferPointer { pairs in
            let raw = UnsafeMutableRawPointer(output)
            var out = 0
            var index = 0
            while index + 8 <= input.count {
                // The six bytes at `index` in the top 48 bits, first byte highest.
                let word = UInt64(bigEndian: input.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                func pair(_ shift: UInt64) -> UInt64 {
                    UInt64(UInt16(littleEndian: pairs[Int(truncatingIfNeeded: word >> shift) & 0xFFF]))
                }
                let symbols = pair(52) | pair(40) << 16 | pair(28) << 32 | pair(16) << 48
                raw.storeBytes(of: symbols.littleEndian, toByteOffset: out, as: UInt64.self)
                index += 6
                out += 8
            }
            while index + 3 <= input.count {
                let value = Int(input[index]) << 16 | Int(input[index + 1]) << 8 | Int(input[index + 2])
                raw.storeBytes(of: pairs[value >> 12], toByteOffset: out, as: UInt16.self)
                raw.storeBytes(of: pairs[value & 0xFFF], toByteOffset: out + 2, as: UInt16.self)
                index += 3
                out += 4
            }
            let left = input.count - index
            if left > 0 {
                let value = Int(input[index]) << 16 | (left == 2 ? Int(input[index + 1]) << 8 : 0)
                raw.storeBytes(of: pairs[value >> 12], toByteOffset: out, as: UInt16.self)
                let third = left == 2 ? symbols[(value >> 6) & 0x3F] : UInt8(ascii: "=")
                raw.storeBytes(of: third, toByteOffset: out + 2, as: UInt8.self)
                raw.storeBytes(of: UInt8(ascii: "="), toByteOffset: out + 3, as: UInt8.self)
            }
        }
    }

    private static let symbols: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The two symbols of every twelve-bit value, as they lie in memory.
    private static let pairs: [UInt16] = (0..<4096).map { value in
        (UInt16(symbols[value >> 6]) | UInt16(symbols[value & 0x3F]) << 8).littleEndian
    }
}
