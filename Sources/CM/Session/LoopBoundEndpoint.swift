import NIOCore
import Wire

/// A session's connection as routing reaches it: every call runs on the connection's own
/// event loop, where its handler may be touched. Already on that loop (a sender and a
/// recipient of the same loop, the common case with few loops) the call is direct, so the
/// hot path allocates no closure for it.
struct LoopBoundEndpoint: SessionEndpoint {
    let connection: NIOLoopBound<ConnectionHandler>

    func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        let connection = self.connection
        guard connection.eventLoop.inEventLoop else {
            return connection.eventLoop.execute { connection.value.deliver(deliver, tracker: tracker, toRecipient: toRecipient) }
        }
        connection.value.deliver(deliver, tracker: tracker, toRecipient: toRecipient)
    }

    func sendAnswered(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64) {
        let connection = self.connection
        guard connection.eventLoop.inEventLoop else {
            return connection.eventLoop.execute {
                connection.value.sendAnswered(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID)
            }
        }
        connection.value.sendAnswered(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID)
    }

    func kick(_ reason: CMPResultCode, text: String) {
        let connection = self.connection
        guard connection.eventLoop.inEventLoop else {
            return connection.eventLoop.execute { connection.value.kick(reason, reason: text) }
        }
        connection.value.kick(reason, reason: text)
    }
}
