import Testing

@testable import CM

@Suite("TokenAuthority")
struct TokenAuthorityTests {
    let authority = TokenAuthority(secret: Array("0123456789abcdef0123456789abcdef".utf8))
    let now: Int64 = 1_800_000_000

    @Test("a minted token verifies for its user on any device until it expires")
    func anyDevice() {
        let token = authority.mint(user: "alice", device: nil, expiry: now + 60)
        #expect(token.hasPrefix("v1.\(now + 60).*."))
        #expect(authority.verify(token, user: "alice", device: "phone", now: now) == .valid)
        #expect(authority.verify(token, user: "alice", device: "laptop", now: now + 59) == .valid)
        #expect(authority.verify(token, user: "alice", device: "phone", now: now + 60) == .expired(at: now + 60))
    }

    @Test("a device-bound token is refused for another device")
    func boundDevice() {
        let token = authority.mint(user: "alice", device: "phone", expiry: now + 60)
        #expect(authority.verify(token, user: "alice", device: "phone", now: now) == .valid)
        guard case .invalid(let why) = authority.verify(token, user: "alice", device: "laptop", now: now) else {
            Issue.record("token for phone accepted for laptop")
            return
        }
        #expect(why.contains("phone"))
    }

    @Test("another user, another secret, an edited expiry or a cut MAC: invalid, and never expired first")
    func forgeries() {
        let token = authority.mint(user: "alice", device: nil, expiry: now - 10)
        let other = TokenAuthority(secret: Array("another secret, also 32 bytes...".utf8))
        func isInvalid(_ verdict: TokenAuthority.Verdict) -> Bool {
            if case .invalid = verdict { return true }
            return false
        }
        #expect(isInvalid(authority.verify(token, user: "bob", device: "phone", now: now)))
        #expect(isInvalid(other.verify(token, user: "alice", device: "phone", now: now)))
        let edited = token.replacing("v1.\(now - 10).", with: "v1.\(now + 1000).")
        #expect(isInvalid(authority.verify(edited, user: "alice", device: "phone", now: now)))
        #expect(isInvalid(authority.verify(String(token.dropLast(2)), user: "alice", device: "phone", now: now)))
        for garbage in ["", "v1", "v2.1.*.AAAA", "v1.x.*.AAAA", "v1.1.*.!!!!", "v1.1.*"] {
            #expect(isInvalid(authority.verify(garbage, user: "alice", device: "phone", now: now)), "\(garbage)")
        }
        // A correct MAC whose expiry has passed is "expired", so the user is told to renew.
        #expect(authority.verify(token, user: "alice", device: "phone", now: now) == .expired(at: now - 10))
    }

    @Test("the secret file's trailing newline is not part of the secret; an empty file is an error")
    func secretFile() throws {
        #expect(try TokenAuthority.secret(fromFileContents: Array("abc\n".utf8), path: "KEY") == Array("abc".utf8))
        #expect(try TokenAuthority.secret(fromFileContents: Array("abc\r\n".utf8), path: "KEY") == Array("abc".utf8))
        #expect(throws: TokenAuthority.SecretError.empty(path: "KEY")) {
            try TokenAuthority.secret(fromFileContents: Array("\n".utf8), path: "KEY")
        }
    }

    @Test("the MAC is 43 characters of base64url and round-trips")
    func base64URL() {
        let bytes = (0..<32).map { UInt8(($0 * 7 + 250) & 0xFF) }
        let text = TokenAuthority.base64URL(bytes)
        #expect(text.count == 43)
        #expect(!text.contains("+") && !text.contains("/") && !text.contains("="))
        #expect(TokenAuthority.decodeBase64URL(text) == bytes)
    }
}
