import Wire

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#endif

/// Strings already read that packets repeat, PUBLISH topics above all, so one seen before costs
/// no allocation and no UTF-8 check: a broker's subscribers receive a few hundred topics a
/// million times over, in any order, and MQTT 5 clients send the same User Properties with
/// every message. The MQTT decoders of one thread share one (`StreamDecoder`): what publishers
/// send, subscribers receive.
///
/// Bounded: a fixed number of slots, open addressing over a few neighbours; a topic that finds
/// them taken replaces the one in its first slot.
///
/// SAFETY: callers must use an interner from one thread at a time and never re-entrantly (it is
/// not `Sendable`); its stored properties skip the runtime's exclusivity checks on that promise. The key bytes are memory it allocates, owns and frees itself: every
/// slot's buffer is either empty (nil base) or `count` bytes it copied in, and `bytes` passed to
/// `string` are read during the call only.
final class StringInterner: MQTTStringCache {
    /// Slot hashes, 0 for an empty slot (a topic's hash always has its lowest bit set).
    @exclusivity(unchecked) private var hashes: [UInt64]
    @exclusivity(unchecked) private var topics: [MQTTString]
    /// Each slot's bytes again, in memory the table owns, to compare with: comparing with the
    /// string's own bytes took a retain and a release of them per string read.
    private let keys: UnsafeMutablePointer<UnsafeMutableRawBufferPointer>
    private let mask: Int
    /// Slots looked at from a topic's first one.
    static let probes = 4

    /// Room for about `capacity` topics (rounded up to a power of two).
    init(capacity: Int = 16) {
        var size = 4
        while size < capacity { size <<= 1 }
        hashes = Array(repeating: 0, count: size)
        topics = Array(repeating: MQTTString(bytes: []), count: size)
        keys = .allocate(capacity: size)
        keys.initialize(repeating: UnsafeMutableRawBufferPointer(start: nil, count: 0), count: size)
        mask = size - 1
    }

    deinit {
        for index in 0...mask { keys[index].deallocate() }
        keys.deallocate()
    }

    /// The string with these bytes: the one read before when the table holds it, else a new one
    /// (validated once), kept for next time.
    func string(_ bytes: UnsafeRawBufferPointer) -> MQTTString {
        let hash = Self.hash(bytes)
        let home = Int(truncatingIfNeeded: hash >> 1) & mask
        var free: Int?
        for step in 0..<Self.probes {
            let index = (home + step) & mask
            let slotHash = hashes[index]
            if slotHash == hash, Self.same(UnsafeRawBufferPointer(keys[index]), bytes) { return topics[index] }
            if slotHash == 0, free == nil { free = index }
        }
        let topic = MQTTString(bytes: Array(bytes))
        let index = free ?? home
        hashes[index] = hash
        topics[index] = topic
        keys[index].deallocate()
        keys[index] = .allocate(byteCount: bytes.count, alignment: 1)
        keys[index].copyMemory(from: bytes)
        return topic
    }

    /// A multiply-rotate hash over eight bytes at a time (as rustc's FxHash), with the lowest
    /// bit set: a byte-at-a-time hash cost as much as the allocation this table saves.
    private static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let seed: UInt64 = 0x517c_c1b7_2722_0a95
        var hash = UInt64(bytes.count) &* seed
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = ((hash << 5 | hash >> 59) ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* seed
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
            hash = ((hash << 5 | hash >> 59) ^ tail) &* seed
        }
        return (hash ^ hash >> 32) | 1
    }

    private static func same(_ known: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer) -> Bool {
        known.count == bytes.count && (bytes.isEmpty || memcmp(known.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
    }
}
