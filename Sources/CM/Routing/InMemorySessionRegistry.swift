import NIOConcurrencyHelpers

/// The node-local routing table: users hashed over shards, each behind its own lock, so the
/// event loops rarely wait for one another even when every message is a lookup.
public final class InMemorySessionRegistry: SessionRegistry {
    private struct Shard {
        /// user -> its sessions, in login order (a user has a handful of devices at most).
        var users: [String: [SessionHandle]] = [:]
    }

    private let shards: [NIOLockedValueBox<Shard>]

    public init(shardCount: Int = 64) {
        shards = (0..<max(shardCount, 1)).map { _ in NIOLockedValueBox(Shard()) }
    }

    private func shard(for user: String) -> NIOLockedValueBox<Shard> {
        var hasher = Hasher()
        hasher.combine(user)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
    }

    public func register(_ session: SessionHandle) -> SessionHandle? {
        shard(for: session.user).withLockedValue { shard in
            var sessions = shard.users[session.user, default: []]
            var replaced: SessionHandle?
            if let index = sessions.firstIndex(where: { $0.device == session.device }) {
                replaced = sessions.remove(at: index)
            }
            sessions.append(session)
            shard.users[session.user] = sessions
            return replaced
        }
    }

    public func unregister(_ session: SessionHandle) {
        shard(for: session.user).withLockedValue { shard in
            guard var sessions = shard.users[session.user],
                let index = sessions.firstIndex(where: { $0 === session })
            else { return }
            sessions.remove(at: index)
            shard.users[session.user] = sessions.isEmpty ? nil : sessions
        }
    }

    public func sessions(of user: String) -> [SessionHandle] {
        shard(for: user).withLockedValue { $0.users[user] ?? [] }
    }

    public var sessionCount: Int {
        shards.reduce(0) { total, shard in total + shard.withLockedValue { $0.users.values.reduce(0) { $0 + $1.count } } }
    }
}
