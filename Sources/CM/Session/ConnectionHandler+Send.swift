import NIOCore
import Wire

extension ConnectionHandler {
    /// SEND: to every connection of the recipient, and a copy to the sender's other devices;
    /// answered when all writes are done, or at once when there is nobody to write to.
    func route(_ send: CMPSend, from session: SessionHandle) {
        guard sendBucket.take(now: loop.eventLoop.now) else {
            return answerSend(send.messageID, result: .rateLimited, reason: "over \(server.limits.sendRate) messages/s")
        }
        guard !send.toRoom else { return answerSend(send.messageID, result: .recipientInvalid, reason: "this server has no rooms") }
        guard !send.recipient.isEmpty else { return answerSend(send.messageID, result: .recipientInvalid, reason: "empty recipient") }

        let serverMessageID = server.nextMessageID()
        let deliver = CMPDeliver(
            serverMessageID: serverMessageID, senderUser: session.user, senderDevice: session.device,
            serverTime: WallClock.milliseconds(), room: nil,
            extensions: CMPExtensions(clientTime: send.extensions.clientTime, contentType: send.extensions.contentType),
            payload: send.payload)
        let recipients = server.registry.sessions(of: send.recipient)
        guard !recipients.isEmpty else { return storeOrRefuse(send, deliver: deliver) }
        // Copies to the sender's other devices; most users have one, so no array is built then.
        let own = send.recipient == session.user ? [] : server.registry.sessions(of: session.user)
        let copies = own.count > 1 ? own.filter { $0 !== session } : []
        let tracker = DeliveryTracker(
            expected: recipients.count - (recipients.contains { $0 === session } ? 1 : 0) + copies.count,
            sender: session.connection, clientMessageID: send.messageID, serverMessageID: serverMessageID)
        sendStarted()
        var dispatched = false
        for target in recipients where target !== session {
            dispatch(deliver, to: target, tracker: tracker, toRecipient: true)
            dispatched = true
        }
        for target in copies {
            dispatch(deliver, to: target, tracker: tracker, toRecipient: false)
            dispatched = true
        }
        if !dispatched {
            // Only the sending connection itself is the recipient: nothing to deliver.
            acknowledge(clientMessageID: send.messageID, result: .success, serverMessageID: serverMessageID)
        }
    }

    private func dispatch(_ deliver: CMPDeliver, to target: SessionHandle, tracker: DeliveryTracker, toRecipient: Bool) {
        target.runOnLoop { $0.deliver(deliver, tracker: tracker, toRecipient: toRecipient) }
    }

    /// On the recipient's loop: write the DELIVER and tell the tracker when it is out.
    func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
        guard case .loggedIn = state else {
            return tracker.finished(written: false, toRecipient: toRecipient)
        }
        write(deliver, tracker: tracker, toRecipient: toRecipient)
    }

    private func storeOrRefuse(_ send: CMPSend, deliver: CMPDeliver) {
        if let store = server.offlineStore {
            let kept = store.store(
                StoredMessage(
                    serverMessageID: deliver.serverMessageID, senderUser: deliver.senderUser, senderDevice: deliver.senderDevice,
                    serverTime: deliver.serverTime, clientTime: deliver.extensions.clientTime,
                    contentType: deliver.extensions.contentType,
                    // A copy: the SEND's payload is a view of the whole read buffer.
                    payload: ByteBuffer(bytes: deliver.payload.readableBytesView)),
                for: send.recipient)
            if kept { return answerSend(send.messageID, result: .storedOffline, serverMessageID: deliver.serverMessageID) }
            return answerSend(send.messageID, result: .recipientOffline, reason: "offline store full for \(send.recipient)")
        }
        answerSend(send.messageID, result: .recipientOffline, reason: "\(send.recipient) has no connection and there is no offline store")
    }
}
