import Wire

/// Whether a LOGIN may become a session: the protocol, the fields, the token. A pure function
/// of the LOGIN and the clock, so refusals are tested without a connection.
struct LoginCheck {
    struct Refusal: Equatable {
        var result: CMPResultCode
        var reason: String
    }

    let tokens: TokenAuthority

    /// nil when the LOGIN is good; otherwise the LOGIN_ACK result and the reason it carries.
    func refusal(of login: CMPLogin, problems: [String], now: Int64) -> Refusal? {
        guard login.protocolName == "CMP", login.version == CMPLogin.currentVersion else {
            return Refusal(
                result: .unsupportedVersion,
                reason: "protocol \(login.protocolName) version \(login.version); this server speaks CMP 1")
        }
        guard problems.isEmpty else { return Refusal(result: .malformedMessage, reason: problems.joined(separator: "; ")) }
        guard !login.user.isEmpty, !login.device.isEmpty else {
            return Refusal(result: .malformedMessage, reason: "empty user or device id")
        }
        switch tokens.verify(login.token, user: login.user, device: login.device, now: now) {
        case .valid: return nil
        case .invalid(let why): return Refusal(result: .badToken, reason: why)
        case .expired(let at): return Refusal(result: .tokenExpired, reason: "token expired at \(at) (Unix time)")
        }
    }
}
