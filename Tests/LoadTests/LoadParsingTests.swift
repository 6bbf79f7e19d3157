import Testing

@testable import Load

@Suite("cm load arguments")
struct LoadParsingTests {
    @Test("patterns: p2p, fanout:N, mixed; anything else names the mistake")
    func patterns() throws {
        #expect(try LoadPattern(parsing: "p2p") == .pointToPoint)
        #expect(try LoadPattern(parsing: "fanout:100") == .fanout(100))
        #expect(try LoadPattern(parsing: "MIXED") == .mixed)
        #expect(throws: LoadPattern.ParseError.self) { try LoadPattern(parsing: "fanout:0") }
        #expect(throws: LoadPattern.ParseError.self) { try LoadPattern(parsing: "broadcast") }
    }

    @Test("mixed draws 90 % one-to-one and 10 % groups of 10, sizes from half to twice the payload")
    func mixedProfile() {
        var random = FastRandom(seed: 42)
        var groups = 0
        var sizes: [Int] = []
        for _ in 0..<10_000 {
            let next = LoadPattern.mixed.nextMessage(roll: Int(random.next() % 100), payload: 128, sizeRoll: Double(random.next() % 1024) / 1024)
            if next.recipients == 10 { groups += 1 } else { #expect(next.recipients == 1) }
            sizes.append(next.payload)
        }
        #expect((800...1200).contains(groups))
        #expect(sizes.min()! >= 64 && sizes.max()! <= 256)
    }

    @Test("source address ranges and lists; bad ones name the part")
    func sourceAddresses() throws {
        #expect(try SourceAddresses.parse("10.0.1.1-10.0.1.3") == ["10.0.1.1", "10.0.1.2", "10.0.1.3"])
        #expect(try SourceAddresses.parse("10.0.0.255-10.0.1.0,192.168.0.9") == ["10.0.0.255", "10.0.1.0", "192.168.0.9"])
        #expect(throws: SourceAddresses.ParseError.self) { try SourceAddresses.parse("10.0.1.9-10.0.1.1") }
        #expect(throws: SourceAddresses.ParseError.self) { try SourceAddresses.parse("10.0.1") }
        #expect(throws: SourceAddresses.ParseError.self) { try SourceAddresses.parse("10.0.0.0-10.2.0.0") }
        #expect(SourceAddresses.automatic(forTarget: "127.0.0.1", connections: 100_000) == (1...10).map { "127.0.1.\($0)" })
        #expect(SourceAddresses.automatic(forTarget: "10.0.0.5", connections: 100_000).isEmpty)
        #expect(SourceAddresses.automatic(forTarget: "127.0.0.1", connections: 1000).isEmpty)
    }

    @Test("the payload carries its intended send time; foreign payloads are not measured")
    func payload() {
        var buffer = ByteBufferAllocatorForTests.buffer()
        LoadPayload.write(into: &buffer, intendedNanoseconds: 123_456_789, sequence: 7, size: 128)
        #expect(buffer.readableBytes == 128)
        #expect(LoadPayload.intendedNanoseconds(in: buffer) == 123_456_789)
        var small = ByteBufferAllocatorForTests.buffer()
        LoadPayload.write(into: &small, intendedNanoseconds: 1, sequence: 1, size: 4)
        #expect(small.readableBytes == LoadPayload.headerSize)
        #expect(LoadPayload.intendedNanoseconds(in: ByteBufferAllocatorForTests.buffer(string: "hello, this is not a load payload")) == nil)
    }
}
