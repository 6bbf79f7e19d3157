import Wire

/// A CM node of the same fleet, by the name it registered under.
struct NodeID: Hashable, Sendable, CustomStringConvertible {
    var name: String
    var description: String { name }
}

/// The seam to the rest of the fleet: which other nodes hold a user's devices, and how a
/// DELIVER reaches them. A single CM has no other nodes (`NoOtherNodes`); a fleet sharing its
/// registry and a bus implements this (issue 25: Redis pub/sub).
protocol OtherNodes: Sendable {
    /// The nodes other than this one where `user` has a connection; empty when there are none.
    func nodes(holding user: String) -> [NodeID]
    /// Hands `deliver` to `node` for `user`'s connections there. The node's answer (written or
    /// refused) finishes one expected write of `tracker`, as a write to a recipient.
    func forward(_ deliver: CMPDeliver, to user: String, on node: NodeID, tracker: DeliveryTracker)
}

/// One CM on its own: every user is local or offline.
struct NoOtherNodes: OtherNodes {
    func nodes(holding user: String) -> [NodeID] { [] }

    func forward(_ deliver: CMPDeliver, to user: String, on node: NodeID, tracker: DeliveryTracker) {
        // Never asked: `nodes(holding:)` names none. Should it be, the write did not happen.
        tracker.finished(written: false, toRecipient: true)
    }
}
