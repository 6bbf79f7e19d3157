/// Why a message could not be encoded: a value that does not fit its field. The encoder never
/// truncates, and a failed encode leaves the buffer as it was.
public struct CMPEncodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A `string` field (named: "recipient", "user id", ...) over 65,535 bytes of UTF-8.
        case stringTooLong(field: String, length: Int)
        /// The body (everything after the header) over 268,435,455 bytes, the largest remaining
        /// length a varint carries.
        case messageTooLarge(remainingLength: Int)
        /// An unknown extension's id over 268,435,455, the largest varint.
        case extensionIDTooLarge(UInt32)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .stringTooLong(let field, let length):
            return "CMP encode: the \(field) is \(length) bytes, over the maximum of 65535"
        case .messageTooLarge(let length):
            return "CMP encode: the message body is \(length) bytes, over the maximum of \(CMPVarint.maximum)"
        case .extensionIDTooLarge(let id):
            return "CMP encode: extension id \(id) is over the maximum of \(CMPVarint.maximum)"
        }
    }
}
