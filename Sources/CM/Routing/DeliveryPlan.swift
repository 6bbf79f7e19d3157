import Wire

/// Where one accepted SEND goes, decided by the Router: the recipient's local connections
/// (but not the sending one), copies to the sender's other devices, and the other nodes that
/// hold recipient devices. One tracker counts every write and answers the sender.
struct DeliveryPlan {
    let deliver: CMPDeliver
    let recipient: String
    /// The recipient's local sessions as the registry returned them; `sender` is skipped.
    let recipients: [SessionHandle]
    let sender: SessionHandle
    let copies: [SessionHandle]
    let otherNodes: [NodeID]
    let tracker: DeliveryTracker

    /// Hands the DELIVER to every target. The sender must count the SEND as in flight first:
    /// a target that cannot be written answers at once, maybe before this returns.
    func dispatch(through nodes: any OtherNodes) {
        for target in recipients where target !== sender {
            target.endpoint.deliver(deliver, tracker: tracker, toRecipient: true)
        }
        for target in copies {
            target.endpoint.deliver(deliver, tracker: tracker, toRecipient: false)
        }
        for node in otherNodes {
            nodes.forward(deliver, to: recipient, on: node, tracker: tracker)
        }
    }
}
