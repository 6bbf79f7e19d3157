/// An MQTT "UTF-8 Encoded String" as it was on the wire.
///
/// The bytes are kept even when they are not valid UTF-8: a diagnostic decoder must show what a
/// broken client sent, so invalidity is a property of the value (and a problem on its packet),
/// not a decode failure. `text` is the lossy rendering for display (U+FFFD for bad sequences).
/// The spec forbids U+0000 in these strings; `containsNull` says whether it is there.
public struct MQTTString: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The string's bytes, without the two-byte length prefix.
    public let bytes: [UInt8]
    /// Whether `bytes` are well-formed UTF-8 (no overlong forms, no surrogates).
    public let isValidUTF8: Bool
    /// Whether the string contains U+0000, which MQTT forbids.
    public let containsNull: Bool

    /// Wraps bytes received from the wire, validating them once.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
        (self.isValidUTF8, self.containsNull) = MQTTString.check(bytes)
    }

    /// A string to encode.
    public init(_ text: String) {
        self.bytes = Array(text.utf8)
        self.isValidUTF8 = true
        self.containsNull = text.utf8.contains(0)
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The text for display; invalid sequences become U+FFFD.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// True for the empty string.
    public var isEmpty: Bool { bytes.isEmpty }

    public var description: String { text }

    /// Validity and U+0000 in one pass; the common all-ASCII case never builds a String.
    private static func check(_ bytes: [UInt8]) -> (valid: Bool, containsNull: Bool) {
        bytes.withUnsafeBufferPointer { buffer in
            var union: UInt8 = 0
            var null = false
            for byte in buffer {
                union |= byte
                null = null || byte == 0
            }
            if union < 0x80 { return (true, null) }
            return (String(validating: buffer, as: UTF8.self) != nil, null)
        }
    }
}
