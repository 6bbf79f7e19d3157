/// The last bytes delivered in one direction, copied into a small ring, so a retransmission
/// that contradicts what was already delivered can be counted as conflicting.
///
/// The ring is allocated on the first delivery (256 bytes, growing by doubling to the limit) and
/// holds bytes that end exactly where delivery is; a gap empties it. Copying a segment in is a
/// memcpy: no allocation once the ring has grown, no reference to the packet kept.
struct DeliveredHistory {
    private var ring: [UInt8] = []
    /// Valid bytes, ending at `end` (the stream offset after the last delivered byte).
    private var valid = 0
    private var end: Int64 = 0

    /// Bytes allocated for the ring.
    var allocated: Int { ring.count }

    /// The largest power of two not above `limit` (0 when `limit` is below 256).
    static func capacityLimit(_ limit: Int) -> Int {
        guard limit >= 256 else { return 0 }
        return 1 << (Int.bitWidth - 1 - limit.leadingZeroBitCount)
    }

    /// Records `bytes`, delivered at stream offset `offset`; `limit` is a power of two (or 0),
    /// `budget` how many more bytes may be allocated. Returns the bytes newly allocated.
    mutating func record(_ bytes: ArraySlice<UInt8>, at offset: Int64, limit: Int, budget: Int) -> Int {
        guard limit > 0, !bytes.isEmpty else { return 0 }
        if offset != end { valid = 0 }
        var grown = 0
        if ring.count < limit && ring.count < valid + bytes.count {
            var capacity = max(ring.count, 256)
            while capacity < valid + bytes.count && capacity < limit { capacity <<= 1 }
            if capacity - ring.count <= budget {
                grown = capacity - ring.count
                resize(to: capacity)
            }
        }
        end = offset + Int64(bytes.count)
        guard !ring.isEmpty else { return grown }
        let mask = ring.count - 1
        let keptCount = min(bytes.count, ring.count)
        let position = Int((end - Int64(keptCount)) & Int64(mask))
        ring.withUnsafeMutableBufferPointer { storage in
            // The kept suffix by pointer: `bytes.suffix` was a slice, a retain and a release.
            bytes.withUnsafeBufferPointer { whole in
                let source = UnsafeBufferPointer(rebasing: whole[(whole.count - keptCount)...])
                let first = min(source.count, storage.count - position)
                storage.baseAddress!.advanced(by: position).update(from: source.baseAddress!, count: first)
                if first < source.count {
                    storage.baseAddress!.update(from: source.baseAddress!.advanced(by: first), count: source.count - first)
                }
            }
        }
        valid = min(ring.count, valid + bytes.count)
        return grown
    }

    /// After a gap the ring no longer ends where delivery is.
    mutating func invalidate() {
        valid = 0
    }

    /// Frees the ring; returns the bytes it had allocated.
    mutating func release() -> Int {
        let freed = ring.count
        ring = []
        valid = 0
        return freed
    }

    /// Bytes of `bytes` (at stream offset `offset`) that differ from the remembered delivery.
    func differences(_ bytes: ArraySlice<UInt8>, at offset: Int64) -> Int {
        guard valid > 0 else { return 0 }
        let low = max(offset, end - Int64(valid))
        let high = min(offset + Int64(bytes.count), end)
        guard high > low else { return 0 }
        let mask = Int64(ring.count - 1)
        var count = 0
        var index = bytes.startIndex + Int(low - offset)
        var position = low
        while position < high {
            if ring[Int(position & mask)] != bytes[index] { count += 1 }
            position += 1
            index += 1
        }
        return count
    }

    private mutating func resize(to capacity: Int) {
        var resized = [UInt8](repeating: 0, count: capacity)
        if valid > 0 {
            let oldMask = Int64(ring.count - 1)
            let newMask = Int64(capacity - 1)
            var position = end - Int64(valid)
            while position < end {
                resized[Int(position & newMask)] = ring[Int(position & oldMask)]
                position += 1
            }
        }
        ring = resized
    }
}
