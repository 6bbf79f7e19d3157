import NIOCore
import Wire

/// A logged-in connection's SENDs and what comes back for them: the rate limit is this
/// connection's; where a message goes is the Router's.
extension ConnectionHandler {
    func route(_ send: CMPSend, from session: SessionHandle) {
        guard sendBucket.take(now: loop.eventLoop.now) else {
            return answerSend(send.messageID, result: .rateLimited, reason: "over \(server.limits.sendRate) messages/s")
        }
        switch server.router.route(send, from: session, serverTime: WallClock.milliseconds()) {
        case .answer(let result, let serverMessageID, let reason):
            answerSend(send.messageID, result: result, serverMessageID: serverMessageID, reason: reason)
        case .deliver(let plan):
            machine.sendDispatched()
            plan.dispatch(through: server.router.otherNodes)
        }
    }

    /// On the recipient's loop: write the DELIVER and tell the tracker when it is out.
    func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        guard machine.isLoggedIn else {
            return tracker.finished(written: false, toRecipient: toRecipient)
        }
        write(deliver, tracker: tracker, toRecipient: toRecipient)
    }

    /// A SEND's deliveries are done (on this, the sender's loop).
    func sendAnswered(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64) {
        loop.metrics.send(result)
        // After the channel is gone the machine still counts the answer, but nothing is written.
        switch machine.sendAnswered() {
        case .drop:
            break
        case .write(let kick):
            guard context != nil else { return }
            write(.sendAck(CMPSendAck(messageID: clientMessageID, result: result, serverMessageID: serverMessageID)))
            if let kick { perform(kick) }
        }
    }

    /// A SEND answered at once (rejected, stored offline, or nobody else to write to).
    func answerSend(_ clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64 = 0, reason: String? = nil) {
        loop.metrics.send(result)
        write(
            .sendAck(
                CMPSendAck(
                    messageID: clientMessageID, result: result, serverMessageID: serverMessageID,
                    extensions: CMPExtensions(reasonString: reason))))
    }
}
