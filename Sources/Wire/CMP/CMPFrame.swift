/// What the decoder returns for one message: the message, its size on the wire, and the rules
/// it breaks although it framed and read correctly.
///
/// `problems` are sentences ("invalid UTF-8 in user id", "duplicate client-time (the first is
/// kept)", "unsupported protocol version 2"), at most 32; empty for a clean message, which is
/// nearly every one. The CM answers a message with problems `malformed-message` (or, for a
/// LOGIN with another protocol name or version, `unsupported-version`); `cmtune decode` shows
/// them beside the message.
public struct CMPFrame: Sendable, Equatable {
    public var message: CMPMessage
    /// The message's length on the wire, header included.
    public var wireLength: Int
    public var problems: [String]

    public init(message: CMPMessage, wireLength: Int, problems: [String] = []) {
        self.message = message
        self.wireLength = wireLength
        self.problems = problems
    }
}
