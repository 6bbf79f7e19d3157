import Foundation

/// Undo actions, run once, last added first: on success, on error and on a signal.
final class Cleanup: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [() -> Void] = []

    func add(_ action: @escaping () -> Void) {
        lock.withLock { actions.append(action) }
    }

    func run() {
        let pending = lock.withLock { () -> [() -> Void] in
            defer { actions.removeAll() }
            return actions
        }
        for action in pending.reversed() { action() }
    }
}
