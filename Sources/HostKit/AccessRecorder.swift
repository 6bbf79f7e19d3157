import Synchronization

/// Notes every path a command reads, lists or follows, so `cmtune snapshot` copies exactly
/// the files cmtune reads — no hand-kept list to drift out of date as readers change.
public final class AccessRecorder: Sendable {
    public struct Accesses: Sendable, Equatable {
        public var reads: Set<String> = []
        public var listings: Set<String> = []
        public var links: Set<String> = []
    }

    private let state = Mutex(Accesses())

    public init() {}

    public var accesses: Accesses { state.withLock { $0 } }

    func noteRead(_ path: String) { _ = state.withLock { $0.reads.insert(path) } }
    func noteListing(_ path: String) { _ = state.withLock { $0.listings.insert(path) } }
    func noteLink(_ path: String) { _ = state.withLock { $0.links.insert(path) } }
}
