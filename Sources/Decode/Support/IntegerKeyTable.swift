import Capture

/// A map from integers to values in an open-addressing table, for the lookups a decode makes
/// per message: the decoder of a connection by its id, an open QoS exchange by packet id.
///
/// A `Dictionary` hashes each key with a seeded SipHash, whose setup and finalisation cost more
/// than the rest of the lookup (about 200 instructions in all); these keys need only a
/// multiplication to spread them. Linear probing, removal by shifting the following entries
/// back (no tombstones), grown at half full; no memory until the first entry.
///
/// Keys are any `UInt64` but `UInt64.max`.
struct IntegerKeyTable<Value> {
    private var keys: [UInt64] = []
    private var values: [Value?] = []
    private(set) var count = 0
    private static var empty: UInt64 { .max }

    subscript(_ key: UInt64) -> Value? {
        get {
            guard let slot = find(key) else { return nil }
            return values[slot]
        }
        set {
            precondition(key != Self.empty, "UInt64.max marks empty slots")
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Every entry, in no particular order.
    var entries: [(key: UInt64, value: Value)] {
        keys.indices.compactMap { slot in
            guard keys[slot] != Self.empty, let value = values[slot] else { return nil }
            return (keys[slot], value)
        }
    }

    mutating func removeAll() {
        self = IntegerKeyTable()
    }

    private var mask: Int { keys.count - 1 }

    private func home(_ key: UInt64) -> Int {
        // Fibonacci hashing: the product's high bits mix every bit of the key.
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private func find(_ key: UInt64) -> Int? {
        guard !keys.isEmpty else { return nil }
        var slot = home(key)
        while keys[slot] != Self.empty {
            if keys[slot] == key { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func insert(_ key: UInt64, _ value: Value) {
        if let slot = find(key) {
            values[slot] = value
            return
        }
        if (count + 1) * 2 > keys.count { grow() }
        var slot = home(key)
        while keys[slot] != Self.empty { slot = (slot + 1) & mask }
        keys[slot] = key
        values[slot] = value
        count += 1
    }

    private mutating func remove(_ key: UInt64) {
        guard var hole = find(key) else { return }
        keys[hole] = Self.empty
        values[hole] = nil
        count -= 1
        // Entries after the hole that would no longer be found (their home is at or before the
        // hole, cyclically) move back into it.
        var slot = (hole + 1) & mask
        while keys[slot] != Self.empty {
            let wanted = home(keys[slot])
            if (slot - wanted) & mask >= (slot - hole) & mask {
                keys[hole] = keys[slot]
                values[hole] = values[slot]
                keys[slot] = Self.empty
                values[slot] = nil
                hole = slot
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = zip(keys, values)
        let capacity = max(16, keys.count * 2)
        keys = Array(repeating: Self.empty, count: capacity)
        values = Array(repeating: nil, count: capacity)
        count = 0
        for (key, value) in old where key != Self.empty {
            guard let value else { continue }
            insert(key, value)
        }
    }
}

/// Open exchanges of one connection by direction and packet id: every QoS 1 and 2 PUBLISH opens
/// an entry and its ack closes it, a million of each in a large capture. Most connections of a
/// CM never use QoS, and the table takes no memory until they do.
struct PacketIDTable<Value> {
    private var table = IntegerKeyTable<Value>()

    var count: Int { table.count }

    static func key(_ direction: TCPDirection, _ packetID: UInt16) -> UInt32 {
        (direction == .clientToServer ? 0 : 1 << 16) | UInt32(packetID)
    }

    subscript(_ direction: TCPDirection, _ packetID: UInt16) -> Value? {
        get { table[UInt64(Self.key(direction, packetID))] }
        set { table[UInt64(Self.key(direction, packetID))] = newValue }
    }

    /// Every entry, in no particular order.
    var entries: [(direction: TCPDirection, packetID: UInt16, value: Value)] {
        table.entries.map { key, value in
            (key >> 16 == 0 ? .clientToServer : .serverToClient, UInt16(truncatingIfNeeded: key), value)
        }
    }
}
