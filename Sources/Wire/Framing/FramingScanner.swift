import NIOCore

/// What one protocol with MQTT-style framing (a type byte, a variable-length remaining length,
/// then the body: MQTT and CMP) tells `FramingScanner` about the bytes at one offset.
protocol FramingRules {
    associatedtype Header
    /// Typed, so that rejecting an offset (most of them, in junk) allocates no error box.
    associatedtype HeaderError: Error
    /// The header at `view`'s reader index: nil while incomplete; throws when no message of
    /// the protocol can start there.
    func header(in view: ByteBuffer) throws(HeaderError) -> Header?
    /// Whether the header could start a real message: a remaining length at least what its type
    /// needs (and zero where the type allows nothing else).
    func isPlausible(_ header: Header) -> Bool
    /// Header and body, in bytes.
    func messageLength(_ header: Header) -> Int
    /// For a message cut by the end of the bytes: whether the fields that are there fit its length.
    func visibleFieldsFit(_ view: ByteBuffer, _ header: Header) -> Bool
    /// Whether the whole message in `view` (reader index to writer index) decodes without error
    /// and without problems.
    func decodesCleanly(_ view: ByteBuffer) -> Bool
}

/// What a resynchronising scan finds at one offset.
enum FramingCandidate {
    case implausible
    /// The header checks out but the message runs past the end of the bytes.
    case partial
    case complete(length: Int)
}

/// Finds where messages start again in bytes that are not a clean stream (a capture that starts
/// mid-connection or lost bytes in a TCP gap), for every protocol framed like MQTT: an offset is a
/// boundary when the messages starting there check out one after another, more than
/// `confirmations` of them, or all the way to the end of the bytes (at least one whole).
struct FramingScanner<Rules: FramingRules> {
    let rules: Rules
    let buffer: ByteBuffer
    let confirmations: Int

    init(_ rules: Rules, buffer: ByteBuffer, confirmations: Int) {
        self.rules = rules
        self.buffer = buffer
        self.confirmations = max(confirmations, 1)
    }

    /// The first offset (from the reader index) that is believed; nil when none is yet.
    func firstBoundary() -> Int? {
        var index = buffer.readerIndex
        while index < buffer.writerIndex {
            if confirms(at: index) { return index - buffer.readerIndex }
            index += 1
        }
        return nil
    }

    func confirms(at index: Int) -> Bool {
        var position = index
        var complete = 0
        while true {
            if position == buffer.writerIndex { return complete > 0 }
            switch candidate(at: position) {
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

    func candidate(at index: Int) -> FramingCandidate {
        var view = buffer
        view.moveReaderIndex(to: index)
        let parsed: Rules.Header?
        do {
            parsed = try rules.header(in: view)
        } catch {
            return .implausible
        }
        guard let header = parsed else { return .partial }
        guard rules.isPlausible(header) else { return .implausible }
        let length = rules.messageLength(header)
        guard length <= view.readableBytes else {
            return rules.visibleFieldsFit(view, header) ? .partial : .implausible
        }
        view.moveWriterIndex(to: index + length)
        return rules.decodesCleanly(view) ? .complete(length: length) : .implausible
    }
}
