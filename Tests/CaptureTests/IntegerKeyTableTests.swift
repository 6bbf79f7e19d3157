import Testing

@testable import Capture

@Suite("Integer-keyed tables: connections by id, QoS exchanges by packet id, recent flows")
struct IntegerKeyTableTests {
    @Test("64-bit keys (connection ids, large and sparse) agree with a Dictionary; removeAll empties")
    func wideKeys() {
        var generator = SystemRandomNumberGenerator()
        var table = IntegerKeyTable<UInt64>()
        var model: [UInt64: UInt64] = [:]
        for step in 0..<20_000 {
            // Runs of consecutive ids, as a capture numbers its connections, and far ones.
            let key: UInt64 = step % 3 == 0 ? UInt64.random(in: 0..<(UInt64.max - 1), using: &generator) : UInt64(step / 3)
            if Int.random(in: 0..<4, using: &generator) == 0 {
                let old = model.keys.randomElement(using: &generator) ?? key
                table[old] = nil
                model[old] = nil
            } else {
                table[key] = UInt64(step)
                model[key] = UInt64(step)
            }
            #expect(table.count == model.count)
        }
        for (key, value) in model { #expect(table[key] == value) }
        #expect(Dictionary(uniqueKeysWithValues: table.entries.map { ($0.key, $0.value) }) == model)
        #expect(table[UInt64.max - 1] == model[UInt64.max - 1])
        table.removeAll()
        #expect(table.count == 0 && table.entries.isEmpty && table[1] == nil)
        table[1] = 7
        #expect(table[1] == 7)
    }

    @Test("the flow cache answers only for the key it holds: a slot's new key hides the old, a removal clears it")
    func flowCache() {
        func key(_ port: UInt16) -> FlowKey {
            FlowKey(Endpoint(address: .v4(0x0A00_0001), port: port), Endpoint(address: .v4(0x0A00_0002), port: 1883))
        }
        let connection = { (id: UInt64) in
            ConnectionState(
                connection: TCPConnection(id: id, client: Endpoint(address: .v4(1), port: 1), server: Endpoint(address: .v4(2), port: 2)),
                key: key(UInt16(id)), now: CaptureTimestamp(seconds: 0, nanoseconds: 0))
        }
        var cache = FlowCache()
        var states: [FlowKey: ConnectionState] = [:]
        // More flows than slots: some share a slot, and each lookup is the right state or none.
        for port in UInt16(1)...1000 {
            let state = connection(UInt64(port))
            states[key(port)] = state
            cache.insert(state)
        }
        var hits = 0
        for port in UInt16(1)...1000 {
            if let found = cache.state(for: key(port)) {
                #expect(found === states[key(port)])
                hits += 1
            }
        }
        #expect(hits > 0 && hits <= 1 << FlowCache.slotBits)
        // The last inserted is always there until removed; a key's removal leaves other slots alone.
        #expect(cache.state(for: key(1000)) === states[key(1000)])
        cache.remove(key(1000))
        #expect(cache.state(for: key(1000)) == nil)
        cache.insert(states[key(5)]!)
        cache.remove(key(1000))
        #expect(cache.state(for: key(5)) === states[key(5)])
        cache.removeAll()
        #expect(cache.state(for: key(5)) == nil)
        // Addresses in either order are one flow.
        let reversed = FlowKey(Endpoint(address: .v4(0x0A00_0002), port: 1883), Endpoint(address: .v4(0x0A00_0001), port: 5))
        cache.insert(states[key(5)]!)
        #expect(cache.state(for: reversed) === states[key(5)])
    }

    @Test("random inserts, replacements and removals agree with a Dictionary, through growth and long probe runs")
    func agreesWithDictionary() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            var table = PacketIDTable<Int>()
            var model: [UInt32: Int] = [:]
            // Few distinct ids in some rounds: the same slots are filled, emptied and refilled.
            let idRange: ClosedRange<UInt16> = round % 2 == 0 ? 0...40 : 0...UInt16.max
            for step in 0..<4000 {
                let direction: TCPDirection = Bool.random(using: &generator) ? .clientToServer : .serverToClient
                let id = UInt16.random(in: idRange, using: &generator)
                let key = PacketIDTable<Int>.key(direction, id)
                if Int.random(in: 0..<3, using: &generator) == 0 {
                    table[direction, id] = nil
                    model[key] = nil
                } else {
                    table[direction, id] = step
                    model[key] = step
                }
                #expect(table[direction, id] == model[key])
                #expect(table.count == model.count)
            }
            for (direction, id, value) in table.entries {
                #expect(model[PacketIDTable<Int>.key(direction, id)] == value)
            }
            #expect(table.entries.count == model.count)
            for (key, value) in model {
                let direction: TCPDirection = key >> 16 == 0 ? .clientToServer : .serverToClient
                #expect(table[direction, UInt16(truncatingIfNeeded: key)] == value)
            }
        }
    }

    @Test("the same id in the two directions is two entries")
    func directions() {
        var table = PacketIDTable<String>()
        table[.clientToServer, 7] = "publish"
        table[.serverToClient, 7] = "other"
        #expect(table[.clientToServer, 7] == "publish" && table[.serverToClient, 7] == "other" && table.count == 2)
        table[.clientToServer, 7] = nil
        #expect(table[.clientToServer, 7] == nil && table[.serverToClient, 7] == "other" && table.count == 1)
    }
}
