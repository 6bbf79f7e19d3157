import NIOConcurrencyHelpers
import NIOCore

/// A message accepted for a user who had no connection, waiting for the next login.
public struct StoredMessage: Sendable {
    public var serverMessageID: UInt64
    public var senderUser: String
    public var senderDevice: String
    public var serverTime: UInt64
    public var clientTime: UInt64?
    public var contentType: String?
    public var payload: ByteBuffer
}

/// Where messages for offline users wait. The CM answers `stored-offline` only when `store`
/// says the message was kept; without a store it answers `recipient-offline`, so a sender is
/// never told a message is safe when it is not.
public protocol OfflineStore: Sendable {
    /// Keeps `message` for `user`; false when the store is full (the SEND is rejected).
    func store(_ message: StoredMessage, for user: String) -> Bool
    /// Removes and returns what waits for `user`, oldest first.
    func take(for user: String) -> [StoredMessage]
}

/// Bounded, process-local: at most `perUser` messages per user and `totalBytes` of payload,
/// so an offline user cannot make the CM grow without bound.
public final class InMemoryOfflineStore: OfflineStore {
    private struct State {
        var queues: [String: [StoredMessage]] = [:]
        var bytes = 0
    }

    private let perUser: Int
    private let totalBytes: Int
    private let state = NIOLockedValueBox(State())

    public init(perUser: Int, totalBytes: Int) {
        self.perUser = perUser
        self.totalBytes = totalBytes
    }

    public func store(_ message: StoredMessage, for user: String) -> Bool {
        state.withLockedValue { state in
            let size = message.payload.readableBytes
            guard state.bytes + size <= totalBytes, state.queues[user, default: []].count < perUser else { return false }
            state.queues[user, default: []].append(message)
            state.bytes += size
            return true
        }
    }

    public func take(for user: String) -> [StoredMessage] {
        state.withLockedValue { state in
            guard let queue = state.queues.removeValue(forKey: user) else { return [] }
            state.bytes -= queue.reduce(0) { $0 + $1.payload.readableBytes }
            return queue
        }
    }
}
