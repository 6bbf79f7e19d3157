import NIOCore
import Wire

extension ConnectionHandler {
    /// LOGIN: check it, register the session (kicking an older connection of the same
    /// device), answer, then hand over what the offline store kept.
    func checkLogin(_ login: CMPLogin, problems: [String]) {
        if let refusal = LoginCheck(tokens: server.tokens).refusal(of: login, problems: problems, now: WallClock.seconds()) {
            return refuseLogin(refusal)
        }
        let session = SessionHandle(
            user: login.user, device: login.device, sessionID: server.nextSessionID(),
            endpoint: LoopBoundEndpoint(connection: NIOLoopBound(self, eventLoop: loop.eventLoop)))
        let keepAlive = server.limits.grantedKeepAlive(requested: login.keepAlive)
        guard let accepted = machine.loginAccepted(session, keepAlive: keepAlive) else { return }
        loginTimer?.cancel()
        loginTimer = nil
        server.metrics.sessions.increment()
        if let replaced = server.registry.register(accepted.register) {
            replaced.endpoint.kick(.duplicateLogin, text: "logged in again from device \(login.device)")
        }
        loop.metrics.login(.success)
        write(.loginAck(CMPLoginAck(result: .success, sessionID: session.sessionID, serverTime: WallClock.milliseconds(), keepAlive: keepAlive)))
        scheduleIdleCheck(at: accepted.firstIdleCheck)
        logger.debug("login", metadata: ["user": "\(login.user)", "device": "\(login.device)", "session": "\(session.sessionID)"])
        if let store = server.offlineStore {
            for stored in store.take(for: login.user) {
                write(
                    .deliver(
                        CMPDeliver(
                            serverMessageID: stored.serverMessageID, senderUser: stored.senderUser, senderDevice: stored.senderDevice,
                            serverTime: stored.serverTime, room: nil,
                            extensions: CMPExtensions(clientTime: stored.clientTime, contentType: stored.contentType),
                            payload: stored.payload)))
            }
        }
    }

    private func refuseLogin(_ refusal: LoginCheck.Refusal) {
        machine.loginRefused()
        loop.metrics.login(refusal.result)
        logger.debug("login refused", metadata: ["result": "\(refusal.result.name)", "reason": "\(refusal.reason)"])
        writeFinal(
            .loginAck(
                CMPLoginAck(
                    result: refusal.result, sessionID: 0, serverTime: WallClock.milliseconds(), keepAlive: 0,
                    extensions: CMPExtensions(reasonString: refusal.reason))))
    }
}
