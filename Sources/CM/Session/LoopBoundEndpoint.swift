import NIOCore
import Wire

/// A session's connection as routing reaches it: every call hops to the connection's own
/// event loop (or runs at once when already there), where its handler may be touched.
struct LoopBoundEndpoint: SessionEndpoint {
    let connection: NIOLoopBound<ConnectionHandler>

    private func run(_ body: @escaping @Sendable (ConnectionHandler) -> Void) {
        let connection = self.connection
        if connection.eventLoop.inEventLoop {
            body(connection.value)
        } else {
            connection.eventLoop.execute { body(connection.value) }
        }
    }

    func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        run { $0.deliver(deliver, tracker: tracker, toRecipient: toRecipient) }
    }

    func sendAnswered(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64) {
        run { $0.sendAnswered(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID) }
    }

    func kick(_ reason: CMPResultCode, text: String) {
        run { $0.kick(reason, reason: text) }
    }
}
