import CMTuneTestSupport
import Foundation
import HostKit
import Testing
import Tuning

/// Snapshots and restore cannot pick the wrong thing: only an apply that writes makes one, the
/// order is the sequence's, restore goes back to before the first spread in force, a value
/// changed by hand is kept, another namespace and foreign paths are refused, an interrupted
/// apply leaves the host as it was.
@Suite("Snapshot chain and restore", .serialized)
struct SnapshotChainTests {
    /// A fake host with one 4-queue ixgbe NIC whose IRQs all sit on CPU 0.
    static func host() -> FixtureTree {
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [0] }
        host.nics[0].affinity = { _ in "0-7" }
        let tree = FixtureTree()
        host.write(to: tree)
        return tree
    }

    static func plan(_ tree: FixtureTree, _ policy: SpreadPolicy) -> SpreadPlan {
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0"]))
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, detail: .full, issues: &issues)
        return SpreadPlanner(inventory: inventory, topology: topology, policy: policy).plan()
    }

    static func store(_ tree: FixtureTree) -> SnapshotStore { SnapshotStore(directory: tree.path + "/var/lib/cmtune/snapshots") }

    @discardableResult
    static func apply(_ tree: FixtureTree, _ policy: SpreadPolicy, now: Date = .now, hooks: SpreadTransaction.Hooks = .init()) -> SpreadTransaction {
        let transaction = SpreadTransaction(root: tree.root, store: store(tree), channelControl: nil, policy: policy, hooks: hooks, now: now)
        transaction.apply(plan(tree, policy))
        return transaction
    }

    static func restorer(_ tree: FixtureTree) -> SpreadRestorer {
        SpreadRestorer(root: tree.root, store: store(tree), channelControl: nil, services: nil)
    }

    static func restoreChain(_ tree: FixtureTree, options: SpreadRestorer.Options = .init()) throws -> SpreadRestorer.Outcome {
        let restorer = restorer(tree)
        let chain = try restorer.select(.chain, options: options).get()
        return restorer.restore(chain, options: options)
    }

    @Test("a spread that changes nothing makes no snapshot; spread, spread again, restore puts back the state before the first")
    func spreadTwiceThenRestore() throws {
        let tree = Self.host()
        let before = try SpreadTransactionTests.contents(tree)
        let first = Self.apply(tree, SpreadPolicy(rps: .on))
        #expect(first.status == .applied)
        let again = Self.apply(tree, SpreadPolicy(rps: .on))
        #expect(again.status == .unchanged)
        #expect(Self.store(tree).ids() == [first.snapshot.id])
        let outcome = try Self.restoreChain(tree)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try SpreadTransactionTests.contents(tree) == before)
    }

    @Test("two different spreads in the same second are ordered by sequence: the default restore undoes both, --id the newest only")
    func sameSecond() throws {
        let tree = Self.host()
        let before = try SpreadTransactionTests.contents(tree)
        let instant = Date(timeIntervalSince1970: 1_800_000_000)
        let first = Self.apply(tree, SpreadPolicy(rps: .on), now: instant)
        let afterFirst = try SpreadTransactionTests.contents(tree)
        let second = Self.apply(tree, SpreadPolicy(rps: .off, xps: .off), now: instant)
        #expect(first.status == .applied && second.status == .applied)
        #expect(first.snapshot.sequence + 1 == second.snapshot.sequence)
        #expect(Self.store(tree).ids() == [first.snapshot.id, second.snapshot.id])

        let restorer = Self.restorer(tree)
        let newest = try restorer.select(.before(id: second.snapshot.id)).get()
        #expect(newest.map(\.id) == [second.snapshot.id])
        #expect(restorer.restore(newest).succeeded)
        #expect(try SpreadTransactionTests.contents(tree) == afterFirst)

        let rest = try Self.restoreChain(tree)
        #expect(rest.snapshotIDs == [first.snapshot.id])
        #expect(try SpreadTransactionTests.contents(tree) == before)
        guard case .failure(let nothing) = restorer.select(.chain) else {
            Issue.record("after a full restore nothing is in force")
            return
        }
        #expect(nothing.reason.contains("nothing to restore"))
    }

    @Test("60 spreads then restore: the directory keeps 50 files, the first snapshot survives, the host goes back to before the first")
    func sixtySpreads() throws {
        let tree = Self.host()
        let before = try SpreadTransactionTests.contents(tree)
        var firstID: String?
        for round in 0..<60 {
            let transaction = Self.apply(tree, SpreadPolicy(rps: round % 2 == 0 ? .on : .off, xps: round % 2 == 0 ? .auto : .off))
            #expect(transaction.status == .applied, "round \(round): \(String(describing: transaction.failure))")
            if firstID == nil { firstID = transaction.snapshot.id }
        }
        let store = Self.store(tree)
        #expect(store.ids().count == SnapshotStore.retained)
        #expect(store.ids().first == firstID)
        let first = try store.load(id: try #require(firstID))
        #expect(first.folded.count == 60 - SnapshotStore.retained)
        let outcome = try Self.restoreChain(tree)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try SpreadTransactionTests.contents(tree) == before)
    }

    @Test("a snapshot from another network namespace is refused unless told; the default restore does not see it")
    func otherNamespace() throws {
        let tree = Self.host()
        tree.link("proc/self/ns/net", to: "net:[4026532001]")
        let before = try SpreadTransactionTests.contents(tree)
        let spread = Self.apply(tree, SpreadPolicy(rps: .on))
        #expect(spread.snapshot.host.networkNamespace?.identifier == "net:[4026532001]")
        let spreadState = try SpreadTransactionTests.contents(tree)

        try FileManager.default.removeItem(atPath: tree.path + "/proc/self/ns/net")
        tree.link("proc/self/ns/net", to: "net:[4026532999]")
        let restorer = Self.restorer(tree)
        guard case .failure(let refusal) = restorer.select(.chain) else {
            Issue.record("the chain of another namespace must not be restored by default")
            return
        }
        #expect(refusal.reason.contains("no snapshot in force") && refusal.reason.contains("net:[4026532001]"))
        let named = try restorer.select(.before(id: spread.snapshot.id)).get()
        let refused = restorer.restore(named)
        #expect(refused.refusals.contains { $0.contains("network namespace net:[4026532001]") })
        #expect(try SpreadTransactionTests.contents(tree) == spreadState)
        #expect(restorer.restore(named, options: .init(otherNamespace: true)).succeeded)
        #expect(try SpreadTransactionTests.contents(tree) == before)
    }

    @Test(
        "an edited snapshot naming a file outside cmtune's trees is refused whole; nothing is written",
        arguments: [
            "etc/passwd", "proc/irq/40/../../../etc/passwd", "sys/class/net/eth0/queues/rx-0/../../address", "proc/sys/kernel/core_pattern",
            "sys/class/net/eth0/mtu",
        ])
    func foreignPath(path: String) throws {
        let tree = Self.host()
        tree.write("etc/passwd", "root:x:0:0")
        let spread = Self.apply(tree, SpreadPolicy(rps: .on))
        let store = Self.store(tree)
        var edited = try store.load(id: spread.snapshot.id)
        edited.files.insert(.init(path: path, content: "owned\n"), at: 0)
        try store.save(edited)
        let afterSpread = try SpreadTransactionTests.contents(tree)
        let outcome = try Self.restoreChain(tree)
        #expect(outcome.refusals.contains { $0.contains("'\(path)'") }, "\(outcome.refusals)")
        #expect(outcome.restoredFiles.isEmpty)
        #expect(try SpreadTransactionTests.contents(tree) == afterSpread)
    }

    @Test("a value changed by hand after the spread is shown and kept; --force puts the saved one back")
    func handChanged() throws {
        let tree = Self.host()
        let before = try SpreadTransactionTests.contents(tree)
        let spread = Self.apply(tree, SpreadPolicy(rps: .on))
        let rps = try #require(spread.applied.first { if case .rps = $0.write.kind { return true } else { return false } })
        try tree.root.write(rps.write.path, "01\n")
        let kept = try Self.restoreChain(tree)
        #expect(!kept.succeeded)
        #expect(kept.handChanged.count == 1)
        #expect(kept.handChanged.first?.contains(rps.write.path) == true)
        #expect(try tree.root.read(rps.write.path) == "01")
        // Still in force: the forced run can put the last value back.
        let forced = try Self.restoreChain(tree, options: .init(force: true))
        #expect(forced.succeeded, "\(forced)")
        #expect(try SpreadTransactionTests.contents(tree) == before)
    }

    @Test("a stop signal before any step of an apply rolls back what was written: the host ends as before, for every step")
    func interruptedAtEveryStep() throws {
        let probe = Self.host()
        let steps = Self.plan(probe, SpreadPolicy(rps: .on)).writes.count
        #expect(steps >= 5)
        for stop in 0..<steps {
            let tree = Self.host()
            let before = try SpreadTransactionTests.contents(tree)
            var done = 0
            let hooks = SpreadTransaction.Hooks(interruption: { done >= stop ? "SIGINT" : nil }, afterStep: { done = $0 })
            let transaction = Self.apply(tree, SpreadPolicy(rps: .on), hooks: hooks)
            #expect(transaction.status == .rolledBack, "stop at \(stop)")
            #expect(transaction.interruptedBy == "SIGINT")
            #expect(try SpreadTransactionTests.contents(tree) == before, "stop at \(stop)")
            #expect(try Self.store(tree).load(id: transaction.snapshot.id).state == .rolledBack)
        }
    }

    @Test("an apply cut short (still marked applying) is rolled back whole by the next writer")
    func cutShort() throws {
        let tree = Self.host()
        let before = try SpreadTransactionTests.contents(tree)
        let spread = Self.apply(tree, SpreadPolicy(rps: .on))
        // As a kill -9 between two writes leaves it: values written, snapshot still 'applying'.
        let store = Self.store(tree)
        var journal = try store.load(id: spread.snapshot.id)
        journal.state = .applying
        journal.files[journal.files.count - 1].written = nil
        try store.save(journal)

        let identity = HostIdentity.read(from: tree.root)
        let interrupted = store.interrupted(root: tree.root, identity: identity)
        #expect(interrupted.map(\.id) == [spread.snapshot.id])
        let outcome = Self.restorer(tree).rollBack(interrupted: interrupted[0])
        #expect(outcome.problems.isEmpty)
        #expect(try SpreadTransactionTests.contents(tree) == before)
        #expect(try store.load(id: spread.snapshot.id).state == .rolledBack)
        #expect(try store.chain(root: tree.root, identity: identity).isEmpty)
    }

    @Test("the state lock admits one writer: a second is refused with the holder's pid")
    func lock() throws {
        let tree = FixtureTree()
        let first = try StateLock(directory: tree.path + "/state")
        do {
            _ = try StateLock(directory: tree.path + "/state")
            Issue.record("a second lock must be refused")
        } catch {
            // flock locks belong to the open file description: a second open in this process
            // conflicts like another process would.
            #expect(error.description.contains("pid \(getpid())"))
        }
        _ = first
    }
}
