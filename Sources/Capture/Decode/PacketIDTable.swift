/// Open exchanges of one connection by direction and packet id, in an open-addressing table.
///
/// Every QoS 1 and 2 PUBLISH opens an entry and its ack closes it: a million of each in a large
/// capture. A `Dictionary` hashed each key with SipHash, whose setup and finalisation cost more
/// than the rest of the lookup; a 17-bit key needs only a multiplication to spread it.
/// Linear probing, removal by shifting the following entries back (no tombstones), grown at
/// half full; no memory until the first entry, as most connections of a CM never use QoS.
struct PacketIDTable<Value> {
    /// `direction << 16 | packetID`, or `empty`.
    private var keys: [UInt32] = []
    private var values: [Value?] = []
    private(set) var count = 0
    private static var empty: UInt32 { .max }

    static func key(_ direction: TCPDirection, _ packetID: UInt16) -> UInt32 {
        (direction == .clientToServer ? 0 : 1 << 16) | UInt32(packetID)
    }

    subscript(_ direction: TCPDirection, _ packetID: UInt16) -> Value? {
        get {
            guard let slot = find(Self.key(direction, packetID)) else { return nil }
            return values[slot]
        }
        set {
            let key = Self.key(direction, packetID)
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    /// Every entry, in no particular order.
    var entries: [(direction: TCPDirection, packetID: UInt16, value: Value)] {
        keys.indices.compactMap { slot in
            guard keys[slot] != Self.empty, let value = values[slot] else { return nil }
            return (keys[slot] >> 16 == 0 ? .clientToServer : .serverToClient, UInt16(truncatingIfNeeded: keys[slot]), value)
        }
    }

    private var mask: Int { keys.count - 1 }

    private func home(_ key: UInt32) -> Int {
        // Fibonacci hashing: the product's high bits mix every bit of the key.
        Int(truncatingIfNeeded: (UInt64(key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private func find(_ key: UInt32) -> Int? {
        guard !keys.isEmpty else { return nil }
        var slot = home(key)
        while keys[slot] != Self.empty {
            if keys[slot] == key { return slot }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func insert(_ key: UInt32, _ value: Value) {
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

    private mutating func remove(_ key: UInt32) {
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
