/// An MQTT topic filter (`sensors/+/temperature`, `sensors/#`), with the matching rules of
/// MQTT 3.1.1 §4.7 and 5.0 §4.7: which topic names it matches, and whether two filters can
/// match a common topic (so a SUBSCRIBE can be found by the topics it would receive).
///
/// Levels are compared as bytes, as brokers do: no normalisation, an empty level is a level.
public struct MQTTTopicFilter: Hashable, Sendable, CustomStringConvertible {
    private enum Level: Hashable, Sendable {
        case literal([UInt8])
        /// `+`: exactly one level, whatever it holds (an empty one too).
        case single
        /// `#`: this level and every one below it, or none (`a/#` matches `a`).
        case multi
    }

    private let levels: [Level]
    public let description: String

    /// Why a filter is not one: what is wrong, quoting the filter.
    public struct InvalidFilter: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Checks the spec's rules: not empty, `+` and `#` alone in their level, `#` last.
    public init(validating text: String) throws(InvalidFilter) {
        guard !text.isEmpty else { throw InvalidFilter(description: "an empty topic filter matches nothing") }
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var levels: [Level] = []
        for (index, part) in parts.enumerated() {
            if part.elementsEqual("+".utf8) {
                levels.append(.single)
            } else if part.elementsEqual("#".utf8) {
                guard index == parts.count - 1 else {
                    throw InvalidFilter(description: "topic filter \"\(text)\": # must be its last level")
                }
                levels.append(.multi)
            } else if part.contains(UInt8(ascii: "+")) || part.contains(UInt8(ascii: "#")) {
                throw InvalidFilter(description: "topic filter \"\(text)\": + and # must fill a whole level (as in a/+/c or a/#)")
            } else {
                levels.append(.literal(Array(part)))
            }
        }
        self.levels = levels
        description = text
    }

    /// Whether a PUBLISH to `topic` reaches a subscriber of this filter. Topics starting with
    /// `$` (`$SYS/...`) are not matched by a filter that starts with a wildcard.
    public func matches(topic: [UInt8]) -> Bool {
        topic.withUnsafeBufferPointer { matches($0) }
    }

    public func matches(topic: String) -> Bool {
        var topic = topic
        return topic.withUTF8 { matches($0) }
    }

    // Concrete, not generic over collections: called per message from another module, a
    // generic function would run unspecialised, looking up metadata for every byte.
    private func matches(_ topic: UnsafeBufferPointer<UInt8>) -> Bool {
        if topic.first == UInt8(ascii: "$"), levels.first.map(Self.isWildcard) == true { return false }
        var index = 0
        var start = 0
        while true {
            guard index < levels.count else { return false }  // the topic has more levels
            var end = start
            while end < topic.count, topic[end] != UInt8(ascii: "/") { end += 1 }
            switch levels[index] {
            case .multi:
                return true
            case .single:
                break
            case .literal(let bytes):
                guard bytes.count == end - start, bytes.withUnsafeBufferPointer({ $0.elementsEqual(topic[start..<end]) }) else { return false }
            }
            index += 1
            guard end < topic.count else {
                // The topic ended: so must the filter, but for a trailing `#`.
                return index == levels.count || (index == levels.count - 1 && levels[index] == .multi)
            }
            start = end + 1
        }
    }

    /// Whether some topic matches both filters: a SUBSCRIBE to `sensors/#` overlaps `sensors/+/temperature`.
    public func overlaps(_ other: MQTTTopicFilter) -> Bool {
        if let mine = levels.first, let theirs = other.levels.first,
            Self.isWildcard(mine) && Self.startsWithDollar(theirs) || Self.isWildcard(theirs) && Self.startsWithDollar(mine)
        {
            return false
        }
        for (mine, theirs) in zip(levels, other.levels) {
            switch (mine, theirs) {
            case (.multi, _), (_, .multi): return true
            case (.single, _), (_, .single): continue
            case (.literal(let a), .literal(let b)): if a != b { return false }
            }
        }
        let shorter = min(levels.count, other.levels.count)
        let longer = levels.count > other.levels.count ? levels : other.levels
        // Equal lengths, or the longer goes on only with the `#` that also matches its parent.
        return longer.count == shorter || (longer.count == shorter + 1 && longer[shorter] == .multi)
    }

    private static func isWildcard(_ level: Level) -> Bool {
        if case .literal = level { return false }
        return true
    }

    private static func startsWithDollar(_ level: Level) -> Bool {
        if case .literal(let bytes) = level { return bytes.first == UInt8(ascii: "$") }
        return false
    }
}
