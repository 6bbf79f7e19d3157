import NIOCore

/// The thin SwiftNIO shell over `CMPEncoder`: `MessageToByteHandler(CMPMessageEncoder())`.
public struct CMPMessageEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = CMPMessage

    public init() {}

    public func encode(data: CMPMessage, out: inout ByteBuffer) throws {
        try CMPEncoder.encode(data, into: &out)
    }
}
