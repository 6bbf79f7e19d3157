import NIOCore

/// The rest of a message refused as too large, in one direction of a stream: its length is
/// known from its header, so what is still to come is dropped as it arrives, never buffered,
/// and a capture gap inside it costs no resynchronisation. Part of `DirectionDecoder`.
struct OversizeSkip {
    /// Bytes of the refused message still to come.
    private(set) var remaining = 0

    var isActive: Bool { remaining > 0 }

    /// Starts skipping a message of `length` bytes of which `here` were already in the buffer.
    mutating func start(length: Int, here: Int) {
        remaining = length - here
    }

    /// Appends `bytes` to `buffer` but for their front that belongs to the refused message;
    /// returns how many bytes were dropped. The bytes are read in place: a mutable copy of the
    /// slice cost a retain and a release of its storage per segment, skipping or not.
    @inline(__always)
    mutating func append(_ bytes: ArraySlice<UInt8>, to buffer: inout ByteBuffer) -> Int {
        let dropped = min(remaining, bytes.count)
        remaining -= dropped
        bytes.withUnsafeBytes { _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[dropped...])) }
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
