import NIOCore
import Synchronization
import Wire

/// One SEND on its way to the recipient's connections. The sender's SEND_ACK is written only
/// when every write has finished (into the kernel, or failed), so "delivered" means written to
/// every connection the recipient had, and nothing is acknowledged that was not.
///
/// The writes finish on the recipients' loops; the last one hands the answer to the sender's
/// loop.
final class DeliveryTracker: Sendable {
    private let remaining: Atomic<Int>
    private let written = Atomic<Int>(0)
    private let sender: NIOLoopBound<ConnectionHandler>
    let clientMessageID: UInt32
    let serverMessageID: UInt64
    /// Written to a recipient connection (not a copy to the sender's other devices), counted
    /// separately so copies alone never make a SEND "delivered".
    private let recipientWrites = Atomic<Int>(0)

    init(expected: Int, sender: NIOLoopBound<ConnectionHandler>, clientMessageID: UInt32, serverMessageID: UInt64) {
        remaining = Atomic(expected)
        self.sender = sender
        self.clientMessageID = clientMessageID
        self.serverMessageID = serverMessageID
    }

    /// Called once per target, on the target's loop.
    func finished(written success: Bool, toRecipient: Bool) {
        if success {
            written.add(1, ordering: .relaxed)
            if toRecipient { recipientWrites.add(1, ordering: .relaxed) }
        }
        guard remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return }
        let result: CMPResultCode = recipientWrites.load(ordering: .relaxed) > 0 ? .success : .recipientOffline
        let serverMessageID = result == .success ? self.serverMessageID : 0
        let sender = self.sender
        let clientMessageID = self.clientMessageID
        if sender.eventLoop.inEventLoop {
            sender.value.acknowledge(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID)
        } else {
            sender.eventLoop.execute {
                sender.value.acknowledge(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID)
            }
        }
    }
}
