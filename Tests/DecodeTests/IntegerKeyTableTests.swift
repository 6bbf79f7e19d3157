import Capture
import Testing

@testable import Decode

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
