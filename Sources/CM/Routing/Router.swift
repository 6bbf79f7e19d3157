import NIOCore
import Synchronization
import Wire

/// Decides where a SEND goes: to the recipient's connections on this node, to the other nodes
/// holding the recipient's devices, or, when the recipient is nowhere, to the offline store (or
/// back to the sender as `recipient-offline`). Knows nothing of channels: it reaches sessions
/// through their endpoints and the fleet through `OtherNodes`, so each case is tested alone.
final class Router: Sendable {
    let registry: any SessionRegistry
    let offlineStore: (any OfflineStore)?
    let otherNodes: any OtherNodes
    private let messageIDs = Atomic<UInt64>(0)

    init(registry: any SessionRegistry, offlineStore: (any OfflineStore)?, otherNodes: any OtherNodes = NoOtherNodes()) {
        self.registry = registry
        self.offlineStore = offlineStore
        self.otherNodes = otherNodes
    }

    enum Decision {
        /// Answer the sender now: refused, stored, or nobody but the sender to write to.
        case answer(CMPResultCode, serverMessageID: UInt64, reason: String?)
        /// Count the SEND as in flight, then `plan.dispatch(through:)`; the tracker answers.
        case deliver(DeliveryPlan)
    }

    /// Where `send` from `sender` goes. `serverTime` stamps the DELIVER (Unix milliseconds).
    func route(_ send: CMPSend, from sender: SessionHandle, serverTime: UInt64) -> Decision {
        guard !send.toRoom else { return .answer(.recipientInvalid, serverMessageID: 0, reason: "this server has no rooms") }
        guard !send.recipient.isEmpty else { return .answer(.recipientInvalid, serverMessageID: 0, reason: "empty recipient") }
        let serverMessageID = messageIDs.add(1, ordering: .relaxed).newValue
        let deliver = CMPDeliver(
            serverMessageID: serverMessageID, senderUser: sender.user, senderDevice: sender.device,
            serverTime: serverTime, room: nil,
            extensions: CMPExtensions(clientTime: send.extensions.clientTime, contentType: send.extensions.contentType),
            payload: send.payload)
        let recipients = registry.sessions(of: send.recipient)
        let elsewhere = otherNodes.nodes(holding: send.recipient)
        guard !recipients.isEmpty || !elsewhere.isEmpty else { return storeOrRefuse(deliver, for: send.recipient) }
        // Copies to the sender's other devices; most users have one, so no array is built then.
        let own = send.recipient == sender.user ? [] : registry.sessions(of: sender.user)
        let copies = own.count > 1 ? own.filter { $0 !== sender } : []
        let expected = recipients.count - (recipients.contains { $0 === sender } ? 1 : 0) + copies.count + elsewhere.count
        guard expected > 0 else {
            // Only the sending connection itself is the recipient: nothing to deliver.
            return .answer(.success, serverMessageID: serverMessageID, reason: nil)
        }
        let tracker = DeliveryTracker(
            expected: expected, sender: sender.endpoint, clientMessageID: send.messageID, serverMessageID: serverMessageID)
        return .deliver(
            DeliveryPlan(
                deliver: deliver, recipient: send.recipient, recipients: recipients, sender: sender, copies: copies,
                otherNodes: elsewhere, tracker: tracker))
    }

    private func storeOrRefuse(_ deliver: CMPDeliver, for recipient: String) -> Decision {
        guard let store = offlineStore else {
            return .answer(.recipientOffline, serverMessageID: 0, reason: "\(recipient) has no connection and there is no offline store")
        }
        let kept = store.store(
            StoredMessage(
                serverMessageID: deliver.serverMessageID, senderUser: deliver.senderUser, senderDevice: deliver.senderDevice,
                serverTime: deliver.serverTime, clientTime: deliver.extensions.clientTime,
                contentType: deliver.extensions.contentType,
                // A copy: the SEND's payload is a view of the whole read buffer.
                payload: ByteBuffer(bytes: deliver.payload.readableBytesView)),
            for: recipient)
        guard kept else { return .answer(.recipientOffline, serverMessageID: 0, reason: "offline store full for \(recipient)") }
        return .answer(.storedOffline, serverMessageID: deliver.serverMessageID, reason: nil)
    }
}
