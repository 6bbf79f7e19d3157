import Capture
import Foundation
import HostKit
import Testing

@testable import Decode

@Suite("JSON lines")
struct JSONLineBuilderTests {
    @Test("objects, arrays, escapes, numbers and base64 make valid JSON that parses back")
    func roundTrip() throws {
        var builder = JSONLineBuilder()
        builder.beginObject()
        builder.key("ts")
        builder.number(1_700_000_000.123456, decimals: 6)
        builder.key("type")
        builder.string("PUBLISH")
        builder.key("fields")
        builder.beginObject()
        builder.key("topic")
        builder.string("a/\"b\"\\c\n\u{1}é")
        builder.key("qos")
        builder.int(2)
        builder.key("payload")
        builder.base64([0xFF, 0x00, 0x10])
        builder.key("ids")
        builder.beginArray()
        builder.int(-5)
        builder.int(0)
        builder.int(Int64.max)
        builder.endArray()
        builder.key(dynamic: "user \"key\"")
        builder.null()
        builder.key("flag")
        builder.bool(true)
        builder.endObject()
        builder.endObject()
        builder.endLine()
        #expect(builder.bytes.last == UInt8(ascii: "\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(builder.bytes)) as? [String: Any])
        #expect(object["type"] as? String == "PUBLISH")
        #expect(abs((object["ts"] as? Double ?? 0) - 1_700_000_000.123456) < 1e-6)
        let fields = try #require(object["fields"] as? [String: Any])
        #expect(fields["topic"] as? String == "a/\"b\"\\c\n\u{1}é")
        #expect(fields["payload"] as? String == "/wAQ")
        #expect(fields["ids"] as? [Int64] == [-5, 0, Int64.max])
        #expect(fields["user \"key\""] is NSNull)
        #expect(fields["flag"] as? Bool == true)
    }

    @Test("base64 of every length pads like RFC 4648")
    func base64() {
        #expect(Base64.encode(Array("".utf8)) == "")
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        let bytes = (0..<300).map { UInt8($0 % 256) }
        #expect(Data(base64Encoded: Base64.encode(bytes)) == Data(bytes))
    }

    @Test("strings are escaped like JSONBytes for every byte value at every position of a word, and grow the buffer")
    func escapingMatchesJSONBytes() {
        for length in [1, 7, 8, 9, 17] {
            for position in 0..<length {
                for value in 0...255 {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text[position] = UInt8(value)
                    var expected: [UInt8] = []
                    JSONBytes.appendQuoted(text, to: &expected)
                    var builder = JSONLineBuilder(capacity: 1)
                    builder.string(utf8: text)
                    #expect(builder.bytes == expected, "byte \(value) at \(position) of \(length)")
                }
            }
        }
        // Past the initial capacity many times over: every byte kept, in order.
        let long = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 94 + 32) }
        var builder = JSONLineBuilder(capacity: 64)
        builder.string(utf8: long)
        var expected: [UInt8] = []
        JSONBytes.appendQuoted(long, to: &expected)
        #expect(builder.count == expected.count && builder.bytes == expected)
    }

    @Test("UTF-8 validation agrees with the standard library's on ASCII runs broken by characters of every length, and on damaged ones")
    func utf8ValidationAgreesWithStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        let pieces: [[UInt8]] = [
            Array("plain ascii text".utf8), Array("é".utf8), Array("€".utf8), Array("😀".utf8), [0xC0, 0x80], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xFF], Array("{\"t\":1}".utf8),
        ]
        for _ in 0..<3_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...6, using: &generator) { bytes += pieces.randomElement(using: &generator)! }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBytes { UTF8Check.isValid($0) } == expected, "\(bytes)")
            #expect(UTF8Check.isValid(bytes.lazy.map { $0 }) == expected, "\(bytes)")
        }
        // A character cut at the very end, after a run of whole words.
        let cut = Array(repeating: UInt8(ascii: "a"), count: 16) + [0xE2, 0x82]
        #expect(!cut.withUnsafeBytes { UTF8Check.isValid($0) })
    }

    @Test("string(ifUTF8:) writes valid UTF-8 as string(utf8:) does, and leaves nothing behind for anything else")
    func stringIfUTF8() throws {
        let texts: [[UInt8]] = [
            [], Array("plain".utf8), Array("{\"t\":16.62,\"h\":31,\"seq\":377214}".utf8), Array("région-2 \u{1}\u{7F} ü€😀 and more ASCII after".utf8),
            Array(repeating: UInt8(ascii: "q"), count: 23) + Array("é".utf8), [0xFF, 0x00, 0x41], Array("sixteen bytes ok".utf8) + [0xC3],
            Array("ascii then".utf8) + [0xED, 0xA0, 0x80] + Array("tail".utf8),
        ]
        for text in texts {
            let valid = String(validating: text, as: UTF8.self) != nil
            var builder = JSONLineBuilder(capacity: 1)
            builder.beginObject()
            builder.field("a", 1)
            builder.key("payload")
            let written = text.withUnsafeBytes { builder.string(ifUTF8: $0) }
            #expect(written == valid, "\(text)")
            if !written { builder.base64(text) }
            builder.field("b", 2)
            builder.endObject()
            var expected = JSONLineBuilder(capacity: 1)
            expected.beginObject()
            expected.field("a", 1)
            expected.key("payload")
            if valid { expected.string(utf8: text) } else { expected.base64(text) }
            expected.field("b", 2)
            expected.endObject()
            #expect(builder.bytes == expected.bytes, "\(text)")
            #expect(try JSONSerialization.jsonObject(with: Data(builder.bytes)) is [String: Any])
        }
    }

    @Test("reserveCapacity gives room up front, empty or not, and keeps what was written")
    func reserveCapacity() {
        var builder = JSONLineBuilder(capacity: 64)
        builder.reserveCapacity(10_000)
        #expect(builder.allocatedCapacity == 10_000 && builder.isEmpty)
        builder.reserveCapacity(100)
        #expect(builder.allocatedCapacity == 10_000)
        builder.beginObject()
        builder.field("topic", "a/b")
        builder.endObject()
        let written = builder.bytes
        builder.reserveCapacity(50_000)
        #expect(builder.allocatedCapacity >= 50_000 && builder.bytes == written)
        builder.endLine()
        #expect(String(decoding: builder.bytes, as: UTF8.self) == "{\"topic\":\"a/b\"}\n")
    }

    @Test("base64 inside a line equals Base64.encode and Foundation's for every length around the six-byte blocks")
    func base64InLine() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 77 &+ 200) }
            var builder = JSONLineBuilder()
            builder.base64(bytes)
            let text = String(decoding: builder.bytes, as: UTF8.self)
            #expect(text == "\"" + Base64.encode(bytes) + "\"")
            #expect(text == "\"" + Data(bytes).base64EncodedString() + "\"", "length \(length)")
        }
    }

    @Test("timestamps: the seconds' digits kept from the line before are those of the second asked for")
    func timestamps() {
        var builder = JSONLineBuilder(capacity: 1)
        let times: [(Int64, Int)] = [
            (1_795_781_085, 108_562), (1_795_781_085, 7), (1_795_781_086, 999_999), (1_795_781_086, 0), (0, 5), (0, 6), (-3, 1),
            (-3, 2), (Int64.max, 1), (Int64.min, 2), (1_795_781_085, 1),
        ]
        var expected = ""
        for (index, (seconds, micros)) in times.enumerated() {
            if index == 7 {
                // Emptied between lines: the kept digits do not depend on what the buffer holds.
                builder.removeAll()
                expected = ""
            }
            builder.timestamp(seconds: seconds, microseconds: micros)
            builder.endLine()
            expected += String(seconds) + "." + String(repeating: "0", count: 6 - String(micros).count) + String(micros) + "\n"
        }
        #expect(String(decoding: builder.bytes, as: UTF8.self) == expected)
    }

    @Test("integers print as Swift prints them at every digit count, both signs and the extremes")
    func integers() {
        var values: [Int64] = [0, 1, 9, .max, .min, .min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -(power - 1), -power]
        }
        for value in values {
            var builder = JSONLineBuilder(capacity: 1)
            builder.int(value)
            #expect(String(decoding: builder.bytes, as: UTF8.self) == String(value))
        }
        for value: UInt64 in [.max, .max - 1, 1 << 63, 10_000_000_000_000_000_000] {
            var builder = JSONLineBuilder()
            builder.unsigned(value)
            #expect(String(decoding: builder.bytes, as: UTF8.self) == String(value))
        }
    }

    @Test("numbers keep the decimals asked for and drop trailing zeros")
    func numbers() {
        func text(_ value: Double, _ decimals: Int) -> String {
            var builder = JSONLineBuilder()
            builder.number(value, decimals: decimals)
            return String(decoding: builder.bytes, as: UTF8.self)
        }
        #expect(text(1.5, 3) == "1.5")
        #expect(text(0.0004, 3) == "0")
        #expect(text(12.3456, 2) == "12.35")
        #expect(text(-0.25, 3) == "-0.25")
        #expect(text(7, 0) == "7")
        #expect(text(.nan, 3) == "null")
    }

    @Test("runs: members written by pointer take their commas from the builder, end in a key when told, and print every integer width")
    func runs() throws {
        var builder = JSONLineBuilder(capacity: 64)
        builder.beginObject()
        builder.field("a", 1)
        builder.run(room: 64) { run in
            run.literal("\"b\":")
            run.decimal(-5)
            run.literal(",\"c\":")
            run.bool(false)
            run.literal(",\"n\":")
            run.decimal(nil as UInt16?)
        }
        builder.run(room: 8, endingInKey: true) { run in run.literal("\"d\":") }
        builder.beginObject()
        builder.endObject()
        builder.run(room: 3 * JSONLineBuilder.maximumDecimalSize + 16) { run in
            run.literal("\"w\":[")
            run.decimal(Int64.min)
            run.literal(",")
            run.decimal(UInt64.max)
            run.literal(",")
            run.decimal(1_000_000 as Int)
            run.literal("]")
        }
        var head = JSONLineBuilder()
        head.run(room: 32) { run in run.literal(#""src":"10.0.0.1:1""#) }
        builder.run(room: head.count) { run in run.bytes(head) }
        builder.endObject()
        let text = String(decoding: builder.bytes, as: UTF8.self)
        #expect(text == #"{"a":1,"b":-5,"c":false,"n":null,"d":{},"w":[-9223372036854775808,18446744073709551615,1000000],"src":"10.0.0.1:1"}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(builder.bytes)) is [String: Any])
    }
}
