import HostKit
import Tuning

/// What every command that writes the host does first: take the state directory's lock (one
/// writer at a time), then roll back any apply that a killed process left half done, so the
/// next change starts from the state the snapshots describe.
struct StateSession {
    let lock: StateLock
    /// Applies cut short and rolled back just now.
    let recovered: [SpreadRestorer.Outcome]

    static func open(store: SnapshotStore, restorer: SpreadRestorer) throws(StateLock.Failure) -> StateSession {
        let lock = try StateLock(directory: store.directory)
        let identity = HostIdentity.read(from: restorer.root)
        let recovered = store.interrupted(root: restorer.root, identity: identity).map { restorer.rollBack(interrupted: $0) }
        return StateSession(lock: lock, recovered: recovered)
    }

    /// One line per recovered apply, for stderr.
    var messages: [String] {
        recovered.map { outcome in
            "note: an earlier apply (snapshot \(outcome.snapshotIDs.first ?? "?")) was cut short; rolled back its \(Plural.count(Set(outcome.restoredFiles).count, "file")) first"
                + (outcome.problems.isEmpty ? "" : " (problems: \(outcome.problems.joined(separator: "; ")))")
        }
    }
}
