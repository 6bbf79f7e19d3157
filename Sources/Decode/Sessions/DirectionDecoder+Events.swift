import Capture

/// The events both protocol sessions report for what a direction found besides messages.
extension DirectionDecoder.Problem {
    /// The event that reports it.
    func event(_ connection: TCPConnection, _ direction: TCPDirection, at time: CaptureTimestamp, _ proto: DecodedProtocol) -> DecodeEvent {
        switch self {
        case .refused(let description, let length):
            return .streamError(connection, direction, time, message: description, skippedBytes: length, proto)
        case .lost(let description):
            return .streamError(connection, direction, time, message: description, skippedBytes: nil, proto)
        case .resynchronized(let skipped):
            return .streamError(connection, direction, time, message: "resynchronised after skipping bytes", skippedBytes: skipped, proto)
        }
    }
}

extension PartialMessage {
    /// The message reported as cut short.
    func truncatedEvent(_ connection: TCPConnection, _ direction: TCPDirection, at time: CaptureTimestamp, _ proto: DecodedProtocol) -> DecodeEvent {
        .truncated(connection, direction, time, type: type, declaredLength: declaredLength, capturedLength: capturedLength, topic: topic, proto)
    }
}

extension DirectionDecoder {
    /// A capture gap in this direction, reported: the message it cut short (when one was
    /// buffered), then the gap.
    mutating func gap(
        _ missing: Int, _ connection: TCPConnection, _ direction: TCPDirection, at time: CaptureTimestamp, _ proto: DecodedProtocol,
        _ emit: (DecodeEvent) -> Void
    ) {
        if case .lostPlace(let cut?) = gap(missing) { emit(cut.truncatedEvent(connection, direction, at: time, proto)) }
        emit(.gap(connection, direction, missingBytes: missing, time, proto))
    }
}
