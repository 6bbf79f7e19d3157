/// What a resynchronising scan finds at one offset of a length-prefixed stream (MQTT, CMP).
enum FramingCandidate {
    case implausible
    /// The header checks out but the message runs past the end of the bytes.
    case partial
    case complete(length: Int)
}

/// The rule both protocols' resynchronisation shares after a TCP gap: an offset is a message
/// boundary when the messages starting there check out one after another, more than
/// `confirmations` of them, or all the way to the end of the bytes (at least one whole).
enum FramingConfirmation {
    static func confirms(at index: Int, end: Int, confirmations: Int, candidate: (Int) -> FramingCandidate) -> Bool {
        var position = index
        var complete = 0
        while true {
            if position == end { return complete > 0 }
            switch candidate(position) {
            case .implausible:
                return false
            case .partial:
                return complete > 0
            case .complete(let length):
                complete += 1
                position += length
                if complete > confirmations { return true }
            }
        }
    }
}
