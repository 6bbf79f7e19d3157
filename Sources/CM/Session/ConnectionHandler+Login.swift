import NIOCore
import Wire

extension ConnectionHandler {
    /// LOGIN: check the protocol, the token and the limits, register the session (kicking an
    /// older connection of the same device), answer, then hand over what the offline store kept.
    func handleLogin(_ login: CMPLogin, problems: [String]) {
        guard login.protocolName == "CMP", login.version == CMPLogin.currentVersion else {
            return refuseLogin(.unsupportedVersion, "protocol \(login.protocolName) version \(login.version); this server speaks CMP 1")
        }
        guard problems.isEmpty else { return refuseLogin(.malformedMessage, problems.joined(separator: "; ")) }
        guard !login.user.isEmpty, !login.device.isEmpty else { return refuseLogin(.malformedMessage, "empty user or device id") }
        switch server.tokens.verify(login.token, user: login.user, device: login.device, now: WallClock.seconds()) {
        case .valid: break
        case .invalid(let why): return refuseLogin(.badToken, why)
        case .expired(let at): return refuseLogin(.tokenExpired, "token expired at \(at) (Unix time)")
        }
        cancelLoginTimer()
        let session = SessionHandle(
            user: login.user, device: login.device, sessionID: server.nextSessionID(),
            connection: NIOLoopBound(self, eventLoop: loop.eventLoop))
        enterLoggedIn(session)
        server.metrics.sessions.increment()
        if let replaced = server.registry.register(session) {
            replaced.runOnLoop { $0.kick(.duplicateLogin, reason: "logged in again from device \(login.device)") }
        }
        let keepAlive = server.limits.grantedKeepAlive(requested: login.keepAlive)
        loop.metrics.login(.success)
        write(.loginAck(CMPLoginAck(result: .success, sessionID: session.sessionID, serverTime: WallClock.milliseconds(), keepAlive: keepAlive)))
        armIdleTimer(keepAlive: keepAlive)
        logger.debug("login", metadata: ["user": "\(login.user)", "device": "\(login.device)", "session": "\(session.sessionID)"])
        if let store = server.offlineStore {
            for stored in store.take(for: login.user) {
                write(.deliver(CMPDeliver(
                    serverMessageID: stored.serverMessageID, senderUser: stored.senderUser, senderDevice: stored.senderDevice,
                    serverTime: stored.serverTime, room: nil,
                    extensions: CMPExtensions(clientTime: stored.clientTime, contentType: stored.contentType),
                    payload: stored.payload)))
            }
        }
    }

    private func refuseLogin(_ result: CMPResultCode, _ reason: String) {
        loop.metrics.login(result)
        logger.debug("login refused", metadata: ["result": "\(result.name)", "reason": "\(reason)"])
        writeFinal(.loginAck(CMPLoginAck(
            result: result, sessionID: 0, serverTime: WallClock.milliseconds(), keepAlive: 0,
            extensions: CMPExtensions(reasonString: reason))))
    }
}

extension SessionHandle {
    /// Runs `body` with the session's connection on that connection's loop, from any thread.
    func runOnLoop(_ body: @escaping @Sendable (ConnectionHandler) -> Void) {
        let connection = self.connection
        if connection.eventLoop.inEventLoop {
            body(connection.value)
        } else {
            connection.eventLoop.execute { body(connection.value) }
        }
    }
}
