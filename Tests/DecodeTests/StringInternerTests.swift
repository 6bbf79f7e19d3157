import NIOCore
import Testing
import Wire

@testable import Decode

/// `StringInterner`, which holds unsafe code (key memory of its own), tested directly and through
/// the MQTT decoder that asks it for strings.
@Suite("string interner")
struct StringInternerTests {
    /// A QoS 0 PUBLISH of `topic` with a one-byte payload.
    static func publish(_ topic: [UInt8]) -> [UInt8] {
        [0x30, UInt8(2 + topic.count + 1), 0x00, UInt8(topic.count)] + topic + [0x2A]
    }

    static func topic(of bytes: [UInt8], _ decoder: inout MQTTDecoder) throws -> (MQTTString, [String]) {
        var buffer = ByteBuffer(bytes: bytes)
        let packet = try #require(try decoder.decode(buffer: &buffer))
        guard case .publish(let publish) = packet.body else { throw TopicTableTestError.notPublish }
        return (publish.topic, packet.problems)
    }

    enum TopicTableTestError: Error { case notPublish }

    static func storage(_ topic: MQTTString) -> UnsafeRawPointer? {
        topic.bytes.withUnsafeBytes { $0.baseAddress }
    }

    @Test("asked directly: the same bytes give the same string sharing its storage, other bytes their own, empty bytes the empty string")
    func direct() {
        let interner = StringInterner(capacity: 4)
        let bytes = Array("a/b".utf8)
        let first = bytes.withUnsafeBytes { interner.string($0) }
        let again = Array(bytes).withUnsafeBytes { interner.string($0) }
        #expect(first.bytes == bytes && again == first && Self.storage(again) == Self.storage(first))
        let other = Array("a/c".utf8).withUnsafeBytes { interner.string($0) }
        #expect(other.bytes == Array("a/c".utf8))
        let empty = [UInt8]().withUnsafeBytes { interner.string($0) }
        #expect(empty.bytes.isEmpty)
    }

    @Test("a topic read again shares the first one's storage, across decoders given one table")
    func shared() throws {
        let table = StringInterner(capacity: 64)
        var publisher = MQTTDecoder(strings: table)
        var subscriber = MQTTDecoder(strings: table)
        let (first, _) = try Self.topic(of: Self.publish(Array("sensors/7/temp".utf8)), &publisher)
        let (again, _) = try Self.topic(of: Self.publish(Array("sensors/7/temp".utf8)), &subscriber)
        let (other, _) = try Self.topic(of: Self.publish(Array("sensors/7/hum".utf8)), &subscriber)
        #expect(again == first && Self.storage(again) == Self.storage(first))
        #expect(other.text == "sensors/7/hum" && Self.storage(other) != Self.storage(first))
    }

    @Test("more topics than slots: each comes back with its own bytes, whatever was evicted")
    func overflow() throws {
        var decoder = MQTTDecoder(strings: StringInterner(capacity: 8))
        // Lengths 0 to 40 cover the eight-byte hash's tail handling; similar names collide.
        let names = (0..<300).map { index in String(repeating: "x", count: index % 41) + "/\(index % 97)" }
        for round in 0..<3 {
            for name in names.shuffled() {
                let (topic, problems) = try Self.topic(of: Self.publish(Array(name.utf8)), &decoder)
                #expect(topic.text == name, "round \(round)")
                #expect(problems.isEmpty)
            }
        }
    }

    @Test("a reused topic still reports invalid UTF-8 and U+0000, every time")
    func problemsEveryTime() throws {
        var decoder = MQTTDecoder(strings: StringInterner())
        for _ in 0..<3 {
            let (bad, badProblems) = try Self.topic(of: Self.publish([0xC3, 0x28]), &decoder)
            #expect(!bad.isValidUTF8 && badProblems == ["invalid UTF-8 in topic name"])
            let (null, nullProblems) = try Self.topic(of: Self.publish([0x61, 0x00, 0x62]), &decoder)
            #expect(null.containsNull && nullProblems == ["U+0000 in topic name"])
        }
    }

    @Test("bytes that differ only past the hashed words are different topics")
    func sameHashPrefix() throws {
        var decoder = MQTTDecoder(strings: StringInterner(capacity: 4))
        let a = Array("abcdefgh/1".utf8)
        let b = Array("abcdefgh/2".utf8)
        for _ in 0..<4 {
            #expect(try Self.topic(of: Self.publish(a), &decoder).0.bytes == a)
            #expect(try Self.topic(of: Self.publish(b), &decoder).0.bytes == b)
        }
    }
}
