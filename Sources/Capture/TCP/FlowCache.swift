/// A direct-mapped cache in front of the reassembler's connection table: every segment looks
/// its connection up, and a `Dictionary` lookup (a seeded SipHash of the key, then a probe
/// comparing enum addresses) cost about 350 instructions per packet. Here a slot is picked by
/// a multiplicative hash of the folded key and the key compared once; a capture's busy
/// connections are far fewer than the slots, so nearly every lookup hits.
///
/// It only mirrors the table: the reassembler adds a connection to both and removes it from
/// both, and a miss is answered by the table.
struct FlowCache {
    static let slotBits = 8

    /// A connection's state holds its key: a slot is one reference, copied with one retain.
    private var entries = [ConnectionState?](repeating: nil, count: 1 << FlowCache.slotBits)

    func state(for key: FlowKey) -> ConnectionState? {
        guard let state = entries[Self.slot(of: key)], state.key == key else { return nil }
        return state
    }

    mutating func insert(_ state: ConnectionState) {
        entries[Self.slot(of: state.key)] = state
    }

    mutating func remove(_ key: FlowKey) {
        let slot = Self.slot(of: key)
        if entries[slot]?.key == key { entries[slot] = nil }
    }

    mutating func removeAll() {
        for slot in entries.indices { entries[slot] = nil }
    }

    private static func slot(of key: FlowKey) -> Int {
        Int(truncatingIfNeeded: (key.folded &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
    }
}
