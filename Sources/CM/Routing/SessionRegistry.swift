/// Which connections each logged-in user has on this CM: the routing table. Behind a protocol
/// because a fleet shares it later (a store every CM reads); this node's in-memory table is the
/// default and the fast path.
public protocol SessionRegistry: Sendable {
    /// Adds `session`; returns the session it replaces (same user and device), which the caller
    /// kicks with `duplicate-login`.
    func register(_ session: SessionHandle) -> SessionHandle?
    /// Removes `session` if it is still the one registered for its user and device (a session
    /// already replaced by a newer login must not remove its successor).
    func unregister(_ session: SessionHandle)
    /// Every connection of `user`, in login order; empty when the user is offline.
    func sessions(of user: String) -> [SessionHandle]
    var sessionCount: Int { get }
}

/// A logged-in connection as the rest of the server sees it: who, which session, and how to
/// reach its connection from any thread.
public final class SessionHandle: Sendable {
    public let user: String
    public let device: String
    public let sessionID: UInt64
    let endpoint: any SessionEndpoint

    init(user: String, device: String, sessionID: UInt64, endpoint: any SessionEndpoint) {
        self.user = user
        self.device = device
        self.sessionID = sessionID
        self.endpoint = endpoint
    }
}
