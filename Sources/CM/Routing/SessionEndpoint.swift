import Wire

/// How routing reaches a logged-in connection from any thread. The CM's connections answer on
/// their own event loop (`LoopBoundEndpoint`); a protocol so the Router is tested with plain
/// recorders and a node of a fleet can stand in for connections elsewhere.
protocol SessionEndpoint: Sendable {
    /// Writes `deliver`; the tracker hears when it reached the kernel, or that it never will.
    func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool)
    /// The SEND `clientMessageID` from this connection is finished: write its SEND_ACK.
    func sendAnswered(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64)
    /// Ends the connection with `KICK reason` (a newer login of the same device).
    func kick(_ reason: CMPResultCode, text: String)
}
