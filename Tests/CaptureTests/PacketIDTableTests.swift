import Testing

@testable import Capture

@Suite("Packet id table")
struct PacketIDTableTests {
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
