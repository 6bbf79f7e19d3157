import Crypto
import FoundationEssentials

/// Mints and checks CMP login tokens (docs/protocol.md, "Tokens"): `v1.<expiry>.<device>.<mac>`
/// with an HMAC-SHA256 over user, device and expiry, so the CM needs no user database, only the
/// secret it shares with whoever issues tokens.
public struct TokenAuthority: Sendable {
    /// The secret's bytes; `SymmetricKey` is not `Sendable`, so the key is made per use (cheap
    /// next to the HMAC itself).
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }

    public enum SecretError: Error, Sendable, Equatable, CustomStringConvertible {
        case empty(path: String)
        public var description: String {
            switch self {
            case .empty(let path): return "secret file \(path) is empty: put at least 16 random bytes in it"
            }
        }
    }

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The secret as `--secret-file` holds it: its bytes without a trailing newline (so `echo`
    /// and `openssl rand -hex 32 > KEY` both work).
    public static func secret(fromFileContents bytes: [UInt8], path: String) throws(SecretError) -> [UInt8] {
        var secret = bytes
        while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret.removeLast() }
        guard !secret.isEmpty else { throw .empty(path: path) }
        return secret
    }

    /// A token for `user` valid until `expiry` (Unix seconds), bound to `device` or, when nil,
    /// to any device of the user.
    public func mint(user: String, device: String?, expiry: Int64) -> String {
        let deviceField = device ?? "*"
        let mac = HMAC<SHA256>.authenticationCode(for: signedBytes(user: user, device: deviceField, expiry: expiry), using: key)
        return "v1.\(expiry).\(deviceField).\(Self.base64URL(Array(mac)))"
    }

    public enum Verdict: Sendable, Equatable {
        case valid
        /// Malformed, for another user or device, or signed with another secret.
        case invalid(String)
        case expired(at: Int64)
    }

    /// Checks `token` for a LOGIN by `user` from `device` at `now` (Unix seconds). The MAC is
    /// compared in constant time; expiry is only looked at once the MAC holds, so an attacker
    /// learns nothing from the answer about tokens it did not get from us.
    public func verify(_ token: String, user: String, device: String, now: Int64) -> Verdict {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].elementsEqual("v1".utf8) else { return .invalid("not a v1 token") }
        guard let expiry = Int64(String(decoding: parts[1], as: UTF8.self)) else { return .invalid("expiry is not a number") }
        let deviceField = String(decoding: parts[2], as: UTF8.self)
        guard let mac = Self.decodeBase64URL(String(decoding: parts[3], as: UTF8.self)), mac.count == SHA256.byteCount else {
            return .invalid("MAC is not 32 bytes of base64url")
        }
        let signed = signedBytes(user: user, device: deviceField, expiry: expiry)
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: key) else {
            return .invalid("MAC does not match this user and device")
        }
        guard deviceField == "*" || deviceField == device else { return .invalid("token is for device '\(deviceField)'") }
        guard expiry > now else { return .expired(at: expiry) }
        return .valid
    }

    private func signedBytes(user: String, device: String, expiry: Int64) -> [UInt8] {
        var bytes = Array("cmp-token-v1".utf8)
        bytes.append(0)
        bytes += user.utf8
        bytes.append(0)
        bytes += device.utf8
        bytes.append(0)
        bytes += String(expiry).utf8
        return bytes
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return String(text.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }

    static func decodeBase64URL(_ text: String) -> [UInt8]? {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
