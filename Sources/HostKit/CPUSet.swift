/// A set of CPU ids, as the kernel's cpumasks are: bit 0 is CPU 0, any width.
///
/// Stored as 64-bit words with trailing zero words trimmed, so two sets with the same CPUs are
/// equal whatever width they were parsed from (`3` and `00000000,00000003` are the same mask).
public struct CPUSet: Hashable, Sendable {
    /// Words of the bitmap, least significant first; never ends in a zero word.
    public private(set) var words: [UInt64]

    /// The largest CPU id a set accepts from text: a typo such as `0-4000000000` must be an
    /// error, not a 500 MB allocation. The kernel's NR_CPUS tops out at 8192 today.
    public static let maximumCPU = 65_535

    public init() { words = [] }

    public init<S: Sequence>(_ cpus: S) where S.Element == Int {
        words = []
        for cpu in cpus { insert(cpu) }
    }

    /// The CPUs in `range`, e.g. `CPUSet(0..<4)`.
    public init(_ range: Range<Int>) {
        self.init()
        insert(contentsOf: range)
    }

    public init(_ range: ClosedRange<Int>) {
        self.init(Range(range))
    }

    init(words: [UInt64]) {
        self.words = words
        trim()
    }

    public var isEmpty: Bool { words.isEmpty }

    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The lowest CPU in the set.
    public var first: Int? {
        for (index, word) in words.enumerated() where word != 0 {
            return index * 64 + word.trailingZeroBitCount
        }
        return nil
    }

    /// The highest CPU in the set.
    public var last: Int? {
        guard let word = words.last else { return nil }
        return (words.count - 1) * 64 + 63 - word.leadingZeroBitCount
    }

    public func contains(_ cpu: Int) -> Bool {
        guard cpu >= 0 else { return false }
        let index = cpu >> 6
        guard index < words.count else { return false }
        return words[index] & (1 << UInt64(cpu & 63)) != 0
    }

    public mutating func insert(_ cpu: Int) {
        precondition(cpu >= 0, "CPU ids are not negative")
        let index = cpu >> 6
        if index >= words.count {
            words.append(contentsOf: repeatElement(0, count: index - words.count + 1))
        }
        words[index] |= 1 << UInt64(cpu & 63)
    }

    /// Inserts a range word by word, so `0-65535` costs 1024 stores, not 65536.
    public mutating func insert(contentsOf range: Range<Int>) {
        guard !range.isEmpty else { return }
        precondition(range.lowerBound >= 0, "CPU ids are not negative")
        let lastIndex = (range.upperBound - 1) >> 6
        if lastIndex >= words.count {
            words.append(contentsOf: repeatElement(0, count: lastIndex - words.count + 1))
        }
        var cpu = range.lowerBound
        while cpu < range.upperBound {
            let bit = cpu & 63
            let span = Swift.min(64 - bit, range.upperBound - cpu)
            let bits: UInt64 = span == 64 ? .max : ((1 << UInt64(span)) - 1) << UInt64(bit)
            words[cpu >> 6] |= bits
            cpu += span
        }
    }

    public mutating func remove(_ cpu: Int) {
        guard cpu >= 0, cpu >> 6 < words.count else { return }
        words[cpu >> 6] &= ~(1 << UInt64(cpu & 63))
        trim()
    }

    public func union(_ other: CPUSet) -> CPUSet {
        var result = words.count >= other.words.count ? words : other.words
        let shorter = words.count >= other.words.count ? other.words : words
        for index in shorter.indices { result[index] |= shorter[index] }
        return CPUSet(words: result)
    }

    public func intersection(_ other: CPUSet) -> CPUSet {
        let length = Swift.min(words.count, other.words.count)
        return CPUSet(words: (0..<length).map { words[$0] & other.words[$0] })
    }

    public func subtracting(_ other: CPUSet) -> CPUSet {
        var result = words
        for index in 0..<Swift.min(words.count, other.words.count) { result[index] &= ~other.words[index] }
        return CPUSet(words: result)
    }

    public func isSubset(of other: CPUSet) -> Bool {
        subtracting(other).isEmpty
    }

    public func isDisjoint(with other: CPUSet) -> Bool {
        intersection(other).isEmpty
    }

    private mutating func trim() {
        while words.last == 0 { words.removeLast() }
    }
}

extension CPUSet: Sequence {
    public struct Iterator: IteratorProtocol {
        let words: [UInt64]
        var index = 0
        var current: UInt64

        init(words: [UInt64]) {
            self.words = words
            current = words.first ?? 0
        }

        public mutating func next() -> Int? {
            while current == 0 {
                index += 1
                guard index < words.count else { return nil }
                current = words[index]
            }
            let bit = current.trailingZeroBitCount
            current &= current - 1
            return index * 64 + bit
        }
    }

    public func makeIterator() -> Iterator { Iterator(words: words) }

    public var underestimatedCount: Int { count }
}

extension CPUSet: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Int...) { self.init(elements) }
}

extension CPUSet: CustomStringConvertible {
    /// The list form, as `taskset -c` and `smp_affinity_list` write it.
    public var description: String { listString }
}
