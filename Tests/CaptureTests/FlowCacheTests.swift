import Testing

@testable import Capture

@Suite("TCP flow cache")
struct FlowCacheTests {
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
}
