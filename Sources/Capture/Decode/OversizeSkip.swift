/// The rest of a message refused as too large, in one direction of a stream: its length is
/// known from its header, so what is still to come is dropped as it arrives, never buffered,
/// and a capture gap inside it costs no resynchronisation. Shared by the MQTT and CMP decoders.
struct OversizeSkip {
    /// Bytes of the refused message still to come.
    private(set) var remaining = 0

    var isActive: Bool { remaining > 0 }

    /// Starts skipping a message of `length` bytes of which `here` were already in the buffer.
    mutating func start(length: Int, here: Int) {
        remaining = length - here
    }

    /// Drops the front of `bytes` that belongs to the refused message; returns how many.
    mutating func drop(from bytes: inout ArraySlice<UInt8>) -> Int {
        guard remaining > 0 else { return 0 }
        let dropped = min(remaining, bytes.count)
        remaining -= dropped
        bytes = bytes.dropFirst(dropped)
        return dropped
    }

    /// A gap of `missing` bytes: true when it lies wholly inside the refused message (then it
    /// is simply part of what is skipped); otherwise the skip ends and the caller resynchronises.
    mutating func absorbs(gap missing: Int) -> Bool {
        if remaining > 0 && remaining >= missing {
            remaining -= missing
            return true
        }
        remaining = 0
        return false
    }
}
