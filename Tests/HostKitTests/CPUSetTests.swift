import CMTuneTestSupport
import HostKit
import Testing

@Suite("CPUSet")
struct CPUSetTests {
    @Test("list form parses ranges, singles, strides and sysfs newlines")
    func listForms() throws {
        #expect(try CPUSet(parsingList: "0-3,8,10-11") == CPUSet([0, 1, 2, 3, 8, 10, 11]))
        #expect(try CPUSet(parsingList: "5\n") == [5])
        #expect(try CPUSet(parsingList: "") == [])
        #expect(try CPUSet(parsingList: "\n") == [])
        #expect(try CPUSet(parsingList: " 1 , 3 ") == [1, 3])
        #expect(try CPUSet(parsingList: "0-15:2/4") == [0, 1, 4, 5, 8, 9, 12, 13])
        #expect(try CPUSet(parsingList: "1023") == [1023])
    }

    @Test("mask form: bit 0 is CPU 0, a comma every 32 bits, any width")
    func maskForms() throws {
        #expect(try CPUSet(parsingMask: "1") == [0])
        #expect(try CPUSet(parsingMask: "3\n") == [0, 1])
        #expect(try CPUSet(parsingMask: "00000000,00000001") == [0])
        #expect(try CPUSet(parsingMask: "00000001,00000000") == [32])
        #expect(try CPUSet(parsingMask: "80000000,00000000") == [63])
        #expect(try CPUSet(parsingMask: "ff,ffffffff") == CPUSet(0..<40))
        #expect(try CPUSet(parsingMask: "0xf0") == [4, 5, 6, 7])
        #expect(try CPUSet(parsingMask: "00000000,00000000") == [])
        let wide = try CPUSet(parsingMask: "1" + String(repeating: ",00000000", count: 31))
        #expect(wide == [992])
    }

    @Test("masks print as the kernel prints them for the machine's width")
    func maskFormatting() {
        #expect(CPUSet([0, 1]).maskString(bitCount: 2) == "3")
        #expect(CPUSet(0..<12).maskString(bitCount: 12) == "fff")
        #expect(CPUSet([0]).maskString(bitCount: 64) == "00000000,00000001")
        #expect(CPUSet(0..<64).maskString(bitCount: 64) == "ffffffff,ffffffff")
        #expect(CPUSet(0..<40).maskString(bitCount: 40) == "ff,ffffffff")
        #expect(CPUSet([255]).maskString(bitCount: 256).split(separator: ",").count == 8)
        #expect(CPUSet().maskString(bitCount: 4) == "0")
        // A set wider than the stated width is not truncated.
        #expect(CPUSet([40]).maskString(bitCount: 8) == "100,00000000")
    }

    @Test("lists print with ranges for runs of two or more")
    func listFormatting() {
        #expect(CPUSet([0, 1, 2, 3, 8, 10, 11]).listString == "0-3,8,10-11")
        #expect(CPUSet([7]).listString == "7")
        #expect(CPUSet().listString == "")
    }

    @Test("both forms round-trip for every width from 1 to 1024 CPUs", arguments: [1, 2, 3, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 511, 1000, 1024])
    func roundTrips(width: Int) throws {
        var generator = SplitMix(seed: UInt64(width))
        for _ in 0..<20 {
            var set = CPUSet()
            for cpu in 0..<width where generator.next() % 3 == 0 { set.insert(cpu) }
            #expect(try CPUSet(parsingList: set.listString) == set)
            #expect(try CPUSet(parsingMask: set.maskString(bitCount: width)) == set)
            #expect(set.maskString(bitCount: width).split(separator: ",").count == (width + 31) / 32)
        }
        let full = CPUSet(0..<width)
        #expect(try CPUSet(parsingMask: full.maskString(bitCount: width)) == full)
        #expect(full.listString == (width == 1 ? "0" : "0-\(width - 1)"))
    }

    @Test("invalid text is a typed error that names the bad token")
    func errorsNameTheToken() {
        func failure(_ body: () throws -> CPUSet) -> CPUSetParseError? {
            do {
                _ = try body()
                return nil
            } catch let error as CPUSetParseError {
                return error
            } catch {
                return nil
            }
        }
        let notNumber = failure { try CPUSet(parsingList: "0-3,x,5") }
        #expect(notNumber?.token == "x")
        #expect(notNumber?.reason == .notANumber)
        #expect(notNumber?.description.contains("'x'") == true)
        #expect(failure { try CPUSet(parsingList: "5-3") }?.reason == .reversedRange)
        #expect(failure { try CPUSet(parsingList: "0,,1") }?.reason == .emptyToken)
        #expect(failure { try CPUSet(parsingList: "-1") }?.reason == .notANumber)
        #expect(failure { try CPUSet(parsingList: "0-4000000000") }?.reason == .beyondLimit(CPUSet.maximumCPU))
        #expect(failure { try CPUSet(parsingList: "0-7:3/2") }?.reason == .badGroup)
        #expect(failure { try CPUSet(parsingMask: "zz") }?.token == "zz")
        #expect(failure { try CPUSet(parsingMask: "123456789") }?.reason == .groupTooWide)
        #expect(failure { try CPUSet(parsingMask: "ff,,ff") }?.reason == .emptyToken)
        #expect(failure { try CPUSet(parsingMask: "") }?.reason == .notHexadecimal)
    }

    @Test("the byte-wise mask parser gives the answer of a split-and-radix reference, valid or not")
    func maskParserMatchesReference() {
        var generator = SplitMix(seed: 20)
        let alphabet = Array("0123456789abcdefABCDEFxg, \n")
        for length in 0..<60 {
            for _ in 0..<40 {
                var text = generator.next() % 4 == 0 ? "0x" : ""
                for _ in 0..<length { text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
                if generator.next() % 3 == 0 {
                    text = (0..<(length / 8 + 1)).map { _ in String(generator.next() % 0x1_0000_0000, radix: 16) }.joined(separator: ",")
                }
                let fast: Result<CPUSet, MaskFailure>
                do { fast = .success(try CPUSet(parsingMask: text)) } catch { fast = .failure(MaskFailure(token: error.token, reason: error.reason)) }
                #expect(fast == Self.referenceMask(text), "\(text.debugDescription)")
            }
        }
    }

    /// The mask form read the plain way: trim, split on commas, each group through UInt32(radix:).
    struct MaskFailure: Error, Equatable {
        var token: String
        var reason: CPUSetParseError.Reason
    }

    static func referenceMask(_ text: String) -> Result<CPUSet, MaskFailure> {
        var trimmed = text[...]
        while let first = trimmed.first, first == " " || first == "\n" { trimmed.removeFirst() }
        while let last = trimmed.last, last == " " || last == "\n" { trimmed.removeLast() }
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") { trimmed = trimmed.dropFirst(2) }
        guard !trimmed.isEmpty else { return .failure(MaskFailure(token: "", reason: .notHexadecimal)) }
        var set = CPUSet()
        for (position, group) in trimmed.split(separator: ",", omittingEmptySubsequences: false).reversed().enumerated() {
            guard !group.isEmpty else { return .failure(MaskFailure(token: "", reason: .emptyToken)) }
            guard group.count <= 8 else { return .failure(MaskFailure(token: String(group), reason: .groupTooWide)) }
            guard group.allSatisfy(\.isHexDigit), let value = UInt32(group, radix: 16) else {
                return .failure(MaskFailure(token: String(group), reason: .notHexadecimal))
            }
            for bit in 0..<32 where value & (1 << UInt32(bit)) != 0 { set.insert(position * 32 + bit) }
        }
        return .success(set)
    }

    @Test("set algebra keeps words trimmed so equal sets compare equal")
    func algebra() {
        let a: CPUSet = [0, 1, 2, 64]
        let b: CPUSet = [2, 3, 64]
        #expect(a.union(b) == [0, 1, 2, 3, 64])
        #expect(a.intersection(b) == [2, 64])
        #expect(a.subtracting(b) == [0, 1])
        #expect(a.subtracting([64]) == [0, 1, 2])
        #expect(a.subtracting([64]).words.count == 1)
        #expect(CPUSet([1]).isSubset(of: a))
        #expect(CPUSet([5]).isDisjoint(with: a))
        #expect(a.count == 4 && a.first == 0 && a.last == 64)
        #expect(Array(CPUSet(60..<70)) == Array(60..<70))
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
