import Synchronization
import Wire

/// One SEND on its way to the recipient's connections. The sender's SEND_ACK is written only
/// when every write has finished (into the kernel, or failed), so "delivered" means written to
/// every connection the recipient had, and nothing is acknowledged that was not.
///
/// The writes finish on the recipients' loops (or, for other nodes, when their answer comes);
/// the last one hands the answer to the sender's endpoint.
final class DeliveryTracker: Sendable {
    private let remaining: Atomic<Int>
    private let sender: any SessionEndpoint
    let clientMessageID: UInt32
    let serverMessageID: UInt64
    /// Written to a recipient connection (not a copy to the sender's other devices), counted
    /// separately so copies alone never make a SEND "delivered".
    private let recipientWrites = Atomic<Int>(0)

    init(expected: Int, sender: any SessionEndpoint, clientMessageID: UInt32, serverMessageID: UInt64) {
        remaining = Atomic(expected)
        self.sender = sender
        self.clientMessageID = clientMessageID
        self.serverMessageID = serverMessageID
    }

    /// Called once per target, from any thread.
    func finished(written success: Bool, toRecipient: Bool) {
        if success, toRecipient { recipientWrites.add(1, ordering: .relaxed) }
        guard remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let result: CMPResultCode = recipientWrites.load(ordering: .relaxed) > 0 ? .success : .recipientOffline
        sender.sendAnswered(
            clientMessageID: clientMessageID, result: result, serverMessageID: result == .success ? serverMessageID : 0)
    }
}
