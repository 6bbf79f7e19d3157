/// Parsing and formatting the kernel's two spellings of a cpumask.
///
/// List form (`smp_affinity_list`, `cpulist`): `0-3,8,10-11`, also the kernel's group form
/// `0-15:2/4` (take 2 of every 4). Mask form (`smp_affinity`, `rps_cpus`): hexadecimal with a
/// comma every 32 bits, most significant group first, bit 0 = CPU 0. Both ignore a trailing
/// newline, since that is how sysfs hands them over.

/// Why a cpumask text was refused; names the offending token so the user can find it.
public struct CPUSetParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notANumber
        case reversedRange
        case beyondLimit(Int)
        case emptyToken
        case badGroup
        case notHexadecimal
        case groupTooWide
    }

    public var text: String
    public var token: String
    public var reason: Reason

    public var description: String {
        // Both come from files or the command line: quoted safe for the terminal.
        let text = InputQuote.quoted(self.text)
        let token = InputQuote.quoted(self.token)
        switch reason {
        case .notANumber: return "invalid CPU list \(text): \(token) is not a CPU number or range"
        case .reversedRange: return "invalid CPU list \(text): range \(token) ends before it starts"
        case .beyondLimit(let limit):
            return "invalid CPU list \(text): \(token) is beyond the largest CPU id \(limit)"
        case .emptyToken: return "invalid CPU list \(text): empty entry between commas"
        case .badGroup: return "invalid CPU list \(text): \(token) is not a valid 'used/group' stride"
        case .notHexadecimal: return "invalid CPU mask \(text): \(token) is not hexadecimal"
        case .groupTooWide: return "invalid CPU mask \(text): group \(token) has more than 8 hex digits"
        }
    }
}

extension CPUSet {
    /// Parses the list form. An empty string is the empty set (sysfs writes `isolated` that way).
    public init(parsingList text: some StringProtocol) throws(CPUSetParseError) {
        let full = String(text)
        let trimmed = full.trimmingWhitespace()
        self.init()
        guard !trimmed.isEmpty else { return }
        for token in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let item = token.trimmingWhitespace()
            guard !item.isEmpty else { throw CPUSetParseError(text: full, token: "", reason: .emptyToken) }
            try insert(listItem: item[...], of: full)
        }
    }

    /// Parses the mask form. Groups may be narrower than 8 digits (the kernel prints the most
    /// significant one without padding); an optional `0x` prefix is accepted for user input.
    ///
    /// Read byte by byte, once: `xps_rxqs` is as wide as the rx queue count, so a NIC with
    /// thousands of queues has thousands of masks of kilobytes each.
    public init(parsingMask text: some StringProtocol) throws(CPUSetParseError) {
        let full = String(text)
        let bytes = Array(full.utf8)
        var start = 0
        var end = bytes.count
        while start < end && bytes[start].isASCIIWhitespace { start += 1 }
        while end > start && bytes[end - 1].isASCIIWhitespace { end -= 1 }
        if end - start >= 2 && bytes[start] == UInt8(ascii: "0") && bytes[start + 1] | 0x20 == UInt8(ascii: "x") { start += 2 }
        guard start < end else {
            throw CPUSetParseError(text: full, token: "", reason: .notHexadecimal)
        }
        var words: [UInt64] = []
        words.reserveCapacity((end - start) / 18 + 1)
        // One pass from the end: the least significant group is last in the text, and within a
        // group the last digit is the least significant.
        func failure(groupEndingAt groupEnd: Int) -> CPUSetParseError {
            var groupStart = groupEnd
            while groupStart > start && bytes[groupStart - 1] != UInt8(ascii: ",") { groupStart -= 1 }
            let token = String(decoding: bytes[groupStart..<groupEnd], as: UTF8.self)
            return CPUSetParseError(text: full, token: token, reason: groupEnd - groupStart > 8 ? .groupTooWide : .notHexadecimal)
        }
        let hexValues = Self.hexValues
        var index = end
        var groupEnd = end
        var value: UInt64 = 0
        var digits = 0
        var position = 0
        while true {
            if index == start || bytes[index - 1] == UInt8(ascii: ",") {
                guard digits > 0 else { throw CPUSetParseError(text: full, token: "", reason: .emptyToken) }
                if position % 2 == 0 {
                    words.append(value)
                } else {
                    words[words.count - 1] |= value << 32
                }
                position += 1
                if index == start { break }
                index -= 1
                groupEnd = index
                value = 0
                digits = 0
                continue
            }
            let digit = hexValues[Int(bytes[index - 1])]
            guard digit != 0xFF, digits < 8 else { throw failure(groupEndingAt: groupEnd) }
            value |= UInt64(digit) << (4 * digits)
            digits += 1
            index -= 1
        }
        self.init(words: words)
    }

    /// The value of each byte as a hex digit, 0xFF for a byte that is not one.
    private static let hexValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "0123456789abcdef".utf8.enumerated() { table[Int(byte)] = UInt8(value) }
        for (value, byte) in "ABCDEF".utf8.enumerated() { table[Int(byte)] = UInt8(value + 10) }
        return table
    }()

    /// Parses either form: text with a `-`, or made only of decimal digits and commas where
    /// every group is short, is ambiguous, so callers that know the form should say which.
    /// This guesses the list form unless the text has hex letters or a `0x` prefix.
    public init(parsingListOrMask text: some StringProtocol) throws(CPUSetParseError) {
        let trimmed = String(text).trimmingWhitespace()
        let looksLikeMask =
            trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X")
            || trimmed.utf8.contains { (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0 | 0x20) }
        if looksLikeMask {
            try self.init(parsingMask: trimmed)
        } else {
            try self.init(parsingList: trimmed)
        }
    }

    private mutating func insert(listItem item: Substring, of full: String) throws(CPUSetParseError) {
        var rangeText = item
        var stride: (used: Int, group: Int)?
        if let colon = item.firstIndex(of: ":") {
            rangeText = item[..<colon]
            let groupText = item[item.index(after: colon)...]
            let parts = groupText.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let used = Int(parts[0]), let group = Int(parts[1]),
                used > 0, group > 0, used <= group
            else { throw CPUSetParseError(text: full, token: String(item), reason: .badGroup) }
            stride = (used, group)
        }
        let bounds = rangeText.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = Int(bounds[0]), low >= 0 else {
            throw CPUSetParseError(text: full, token: String(item), reason: .notANumber)
        }
        var high = low
        if bounds.count == 2 {
            guard let value = Int(bounds[1]), value >= 0 else {
                throw CPUSetParseError(text: full, token: String(item), reason: .notANumber)
            }
            high = value
        }
        guard high >= low else { throw CPUSetParseError(text: full, token: String(item), reason: .reversedRange) }
        guard high <= CPUSet.maximumCPU else {
            throw CPUSetParseError(text: full, token: String(item), reason: .beyondLimit(CPUSet.maximumCPU))
        }
        if let stride {
            var start = low
            while start <= high {
                insert(contentsOf: start..<Swift.min(start + stride.used, high + 1))
                start += stride.group
            }
        } else {
            insert(contentsOf: low..<(high + 1))
        }
    }

    /// The list form: ascending, runs of two or more as ranges (`0-3,8,10-11`); empty set is "".
    public var listString: String {
        var parts: [String] = []
        var runStart: Int?
        var previous = -2
        for cpu in self {
            if cpu != previous + 1 {
                if let start = runStart { parts.append(Self.run(start, previous)) }
                runStart = cpu
            }
            previous = cpu
        }
        if let start = runStart { parts.append(Self.run(start, previous)) }
        return parts.joined(separator: ",")
    }

    private static func run(_ start: Int, _ end: Int) -> String {
        start == end ? String(start) : "\(start)-\(end)"
    }

    /// The mask form as the kernel prints it for a machine of `bitCount` possible CPUs:
    /// ceil(bitCount / 32) groups, the most significant one unpadded beyond its own width.
    /// With no width (or too small a one), just wide enough for the highest CPU.
    public func maskString(bitCount: Int? = nil) -> String {
        let bits = Swift.max(bitCount ?? 0, (last ?? -1) + 1, 1)
        let groupCount = (bits + 31) / 32
        var groups: [String] = []
        groups.reserveCapacity(groupCount)
        for group in stride(from: groupCount - 1, through: 0, by: -1) {
            let word = group / 2 < words.count ? words[group / 2] : 0
            let value = UInt32(truncatingIfNeeded: group % 2 == 0 ? word : word >> 32)
            let width = group == groupCount - 1 ? (bits - group * 32 + 3) / 4 : 8
            let hex = String(value, radix: 16)
            groups.append(String(repeating: "0", count: Swift.max(0, width - hex.utf8.count)) + hex)
        }
        return groups.joined(separator: ",")
    }
}

extension StringProtocol {
    /// Drops leading and trailing spaces, tabs and newlines without Foundation.
    func trimmingWhitespace() -> String {
        let text = String(self)
        let utf8 = text.utf8
        guard let start = utf8.firstIndex(where: { !$0.isASCIIWhitespace }) else { return "" }
        let end = utf8.lastIndex(where: { !$0.isASCIIWhitespace })!
        return String(text[start...end])
    }
}

extension UInt8 {
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x09 || self == 0x0D }
    var isASCIIDigit: Bool { self >= 0x30 && self <= 0x39 }
}

extension CPUSet: Codable {
    /// Encoded as the list form (`"0-3,8"`), which people read in saved policies and snapshots.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try CPUSet(parsingList: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(listString)
    }
}
