import CMTuneTestSupport
import Foundation
import HostKit
import SystemPackage
import Testing
import Tuning

/// The applier and restorer against fake roots: every value saved before it changes, read
/// back after, put back byte for byte; a failed write rolls everything back.
@Suite("Spread transaction", .serialized, .timeLimit(.minutes(3)))
struct SpreadTransactionTests {
    /// Every file under the tree with its bytes, to compare whole trees.
    static func contents(_ tree: FixtureTree) throws -> [String: Data] {
        var result: [String: Data] = [:]
        let base = URL(fileURLWithPath: tree.path)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else { return [:] }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values.isRegularFile == true, values.isSymbolicLink != true else { continue }
            let relative = String(url.path.dropFirst(base.path.count))
            if relative.hasPrefix("/var/lib/cmtune") { continue }
            result[relative] = try Data(contentsOf: url)
        }
        return result
    }

    static func setUp(queues: Int = 4) -> (FixtureTree, SpreadPlan, SnapshotStore) {
        var host = SyntheticHost.healthy()
        host.nics[0].effective = { _ in [0] }
        host.nics[0].affinity = { _ in "0-7" }
        host.nics[0].queues = queues
        host.nics[0].vectorNames = (0..<queues).map { "eth0-TxRx-\($0)" }
        let tree = FixtureTree()
        host.write(to: tree)
        let inventory = HostInventory.read(from: tree.root, selection: .named(["eth0", "eth2"]))
        var issues: [HostIssue] = []
        let topology = CPUTopology.read(from: tree.root, detail: .full, issues: &issues)
        let plan = SpreadPlanner(inventory: inventory, topology: topology, policy: SpreadPolicy(rps: .on)).plan()
        return (tree, plan, SnapshotStore(directory: tree.path + "/var/lib/cmtune/snapshots"))
    }

    @Test("apply writes, reads back and saves a snapshot first; restore returns every file to its previous bytes")
    func applyAndRestore() throws {
        let (tree, plan, store) = Self.setUp()
        #expect(!plan.writes.isEmpty)
        let before = try Self.contents(tree)
        let transaction = SpreadTransaction(root: tree.root, store: store, channelControl: nil, policy: SpreadPolicy())
        #expect(transaction.apply(plan))
        #expect(transaction.status == .applied)
        #expect(transaction.applied.count == plan.writes.count)
        for applied in transaction.applied {
            #expect(PlannedWrite.sameValue(applied.readBack, applied.write.new, kind: applied.write.kind))
        }
        let irq = try #require(plan.placements.first?.irq)
        #expect(try tree.root.read("proc/irq/\(irq)/smp_affinity_list") == String(plan.placements.first!.after.first!))
        #expect(try Self.contents(tree) != before)

        let saved = try store.load(id: transaction.snapshot.id)
        #expect(saved.files.count == plan.writes.count)
        #expect(saved.state == .applied)
        #expect(saved.files.allSatisfy { $0.written != nil })
        let outcome = SpreadRestorer(root: tree.root, store: store, channelControl: nil, services: nil).restore([saved])
        #expect(outcome.succeeded, "\(outcome)")
        #expect(try Self.contents(tree) == before)
        #expect(try store.load(id: saved.id).restoredAt != nil)
    }

    @Test("a write that fails rolls back the writes before it; nothing is left changed", .needsRoot)
    func thirdWriteFails() throws {
        let (tree, plan, store) = Self.setUp()
        try #require(plan.writes.count >= 3)
        let third = tree.path + "/" + plan.writes[2].path
        // A read-only bind mount: root can read it, but no one can write it (EROFS).
        try runChecked(["mount", "--bind", third, third])
        defer { _ = try? runCommand(["umount", third]) }
        try runChecked(["mount", "-o", "remount,ro,bind", third])
        let before = try Self.contents(tree)

        let transaction = SpreadTransaction(root: tree.root, store: store, channelControl: nil, policy: SpreadPolicy())
        #expect(!transaction.apply(plan))
        #expect(transaction.status == .rolledBack)
        #expect(try store.load(id: transaction.snapshot.id).state == .rolledBack)
        let failure = try #require(transaction.failure)
        #expect(failure.target == third)
        #expect(failure.message == "read-only file system (EROFS)")
        #expect(transaction.rollbackProblems.isEmpty)
        #expect(transaction.applied.isEmpty)
        #expect(try Self.contents(tree) == before)
    }

    @Test("a managed IRQ's refusal (EIO, or EPERM on 6.x) is reported and skipped, not fatal", .needsRoot)
    func managedIRQ() throws {
        // Find a real managed IRQ: writing its own affinity back is refused (harmless otherwise).
        let irqs = try FileManager.default.contentsOfDirectory(atPath: "/proc/irq").compactMap(Int.init).sorted()
        var managed: Int?
        for irq in irqs {
            let path = "/proc/irq/\(irq)/smp_affinity_list"
            guard let current = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            do {
                try HostRoot().write(String(path.dropFirst()), current)
            } catch  where WriteFailure.isManagedIRQRefusal(error.errno) {
                managed = irq
                break
            } catch {
                continue
            }
        }
        let irq = try #require(managed, "this machine has no managed IRQ to test against")
        let (tree, plan, store) = Self.setUp(queues: 2)
        // Point the first planned IRQ at the real managed one.
        let first = try #require(plan.writes.first { if case .irqAffinity = $0.kind { return true } else { return false } })
        try FileManager.default.removeItem(atPath: tree.path + "/" + first.path)
        tree.link(first.path, to: "/proc/irq/\(irq)/smp_affinity_list")
        let transaction = SpreadTransaction(root: tree.root, store: store, channelControl: nil, policy: SpreadPolicy())
        #expect(transaction.apply(plan))
        #expect(transaction.status == .applied)
        #expect(transaction.skipped.contains { $0.subject == first.path && $0.reason.contains("kernel-managed affinity") })
        #expect(transaction.applied.count == plan.writes.count - 1)
    }

    @Test("a snapshot that cannot be saved stops everything before the first write")
    func unsavable() throws {
        let (tree, plan, _) = Self.setUp()
        let before = try Self.contents(tree)
        tree.write("var/lib/cmtune/blocked", "a file where the snapshot directory should be")
        let store = SnapshotStore(directory: tree.path + "/var/lib/cmtune/blocked/snapshots")
        let transaction = SpreadTransaction(root: tree.root, store: store, channelControl: nil, policy: SpreadPolicy())
        #expect(!transaction.apply(plan))
        #expect(transaction.status == .refused)
        #expect(transaction.failure?.message.contains("cannot save snapshot") == true)
        var after = try Self.contents(tree)
        after["/var/lib/cmtune/blocked"] = nil
        #expect(after == before)
    }

    @Test("restore refuses a corrupt snapshot, one from another host, and one from another boot unless forced")
    func restoreRefusals() throws {
        let (tree, plan, store) = Self.setUp()
        tree.write("etc/machine-id", "aaaa")
        tree.write("proc/sys/kernel/random/boot_id", "boot-1")
        let transaction = SpreadTransaction(root: tree.root, store: store, channelControl: nil, policy: SpreadPolicy())
        #expect(transaction.apply(plan))
        let id = transaction.snapshot.id
        let restorer = SpreadRestorer(root: tree.root, store: store, channelControl: nil, services: nil)

        tree.write("proc/sys/kernel/random/boot_id", "boot-2")
        let afterReboot = restorer.restore([try store.load(id: id)])
        #expect(afterReboot.refusals.first?.contains("earlier boot") == true)
        #expect(afterReboot.restoredFiles.isEmpty)

        tree.write("etc/machine-id", "bbbb")
        #expect(restorer.restore([try store.load(id: id)], options: .init(force: true)).refusals.first?.contains("was taken on") == true)

        tree.write("var/lib/cmtune/snapshots/broken.json", "{ not json")
        #expect(throws: SnapshotStore.StoreError.self) { try store.load(id: "broken") }
        do {
            _ = try store.load(id: "broken")
        } catch {
            #expect(error.description.contains("is corrupt"))
        }
        tree.write("etc/machine-id", "aaaa")
        // A corrupt file in the directory stops the default restore: what it held is unknown.
        guard case .failure(let refusal) = restorer.select(.chain) else {
            Issue.record("a corrupt snapshot file must stop the chain restore")
            return
        }
        #expect(refusal.reason.contains("is corrupt"))
        #expect(restorer.restore([try store.load(id: id)], options: .init(force: true)).succeeded)
    }

    @Test(
        "each refusal the kernel gives a write is explained in plain words",
        arguments: [
            (Int32(5), PlannedWrite.Kind.irqAffinity(irq: 36), "IRQ 36 has kernel-managed affinity: the kernel places it and refuses changes (EIO)"),
            (Int32(1), PlannedWrite.Kind.irqAffinity(irq: 36), "IRQ 36 has kernel-managed affinity: the kernel places it and refuses changes (EPERM)"),
            (
                Int32(22), PlannedWrite.Kind.irqAffinity(irq: 40),
                "the kernel refused CPUs 7 (EINVAL): none of them is online, or this IRQ cannot be routed there"
            ),
            (
                Int32(28), PlannedWrite.Kind.irqAffinity(irq: 40),
                "no free interrupt vector on CPU 7 (ENOSPC): that CPU's vector space is exhausted; choose other CPUs"
            ),
            (Int32(75), PlannedWrite.Kind.rps(interface: "eth0", queue: 0), "the mask 7 is wider than the kernel's CPU count (EOVERFLOW)"),
            (Int32(22), PlannedWrite.Kind.rps(interface: "eth0", queue: 0), "the kernel refused the mask 7 (EINVAL): it names no usable CPU"),
            (Int32(13), PlannedWrite.Kind.xps(interface: "eth0", queue: 0), "not permitted (EACCES): writing it needs root"),
            (Int32(30), PlannedWrite.Kind.sockFlowEntries, "read-only file system (EROFS)"),
        ])
    func explained(errno: Int32, kind: PlannedWrite.Kind, message: String) {
        let failure = WriteFailure.explain(HostError(.write, path: "/x", errno: Errno(rawValue: errno)), kind: kind, value: "7")
        #expect(failure.message == message)
        #expect(failure.errno == errno)
        #expect(failure.target == "/x")
    }

    @Test("irqbalance: stop saves its state and restore starts it; ban edits its config and restore puts it back")
    func irqbalance() throws {
        let tree = FixtureTree()
        tree.write("proc/4242/comm", "irqbalance")
        tree.write("proc/4242/cmdline", "/usr/sbin/irqbalance\u{0}--foreground\u{0}", newline: false)
        tree.write("etc/default/irqbalance", "#Configuration\nIRQBALANCE_ARGS=\"--policyscript=/x --banirq=5\"\nOTHER=1\n")
        let services = FakeServices()
        let state = IRQBalanceState.read(from: tree.root, services: services)
        #expect(state.pids == [4242])
        #expect(state.command == ["/usr/sbin/irqbalance", "--foreground"])
        let coordinator = IRQBalanceCoordinator(root: tree.root, services: services)

        let stopped = try coordinator.apply(.stop, state: state, irqs: [40]).get()
        #expect(services.log == ["terminate 4242"])
        #expect(coordinator.restore(try #require(stopped)) == [])
        #expect(services.log.last == "spawn /usr/sbin/irqbalance --foreground")

        let original = try tree.root.readBytes("etc/default/irqbalance")
        let banned = try #require(try coordinator.apply(.ban, state: state, irqs: [41, 40]).get())
        let config = try tree.root.read("etc/default/irqbalance")
        #expect(config.contains("IRQBALANCE_ARGS=\"--policyscript=/x --banirq=40 --banirq=41\""))
        #expect(config.contains("OTHER=1"))
        #expect(coordinator.restore(banned) == [])
        #expect(try tree.root.readBytes("etc/default/irqbalance") == original)
    }

    @Test("--persist writes the policy, a systemd unit and a udev rule; --remove takes them away")
    func persistence() throws {
        let tree = FixtureTree()
        let services = FakeServices(hasSystemd: true)
        let persistence = SpreadPersistence(root: tree.root, services: services, executable: "/usr/local/bin/cmtune")
        let policy = SpreadPolicy(interfaces: ["eth0"], cpus: CPUSet(2..<16), excludedCPUs: [3], channels: .count(8), rps: .off, rfs: .entries(65536), xps: .on)
        let written = try persistence.install(policy).get()
        #expect(written.count == 3)
        #expect(!(try tree.root.read(SpreadPersistence.rulePath)).contains("DEVPATH"))
        #expect(services.log == ["daemon-reload ", "enable cmtune-spread.service"])
        let unit = try tree.root.read(SpreadPersistence.unitPath)
        #expect(unit.contains("ExecStart=/usr/local/bin/cmtune spread --policy-file /etc/cmtune/spread.json --quiet"))
        let rule = try tree.root.read(SpreadPersistence.rulePath)
        #expect(rule.contains("KERNEL==\"eth0\""))
        #expect(try SpreadPersistence.loadPolicy(at: tree.path + "/" + SpreadPersistence.policyPath) == policy)
        #expect(persistence.remove().count == 3)
        // Every NIC: only devices with hardware behind them, never each new veth or tap.
        let everyNIC = persistence.ruleText(interfaces: [])
        #expect(everyNIC.contains("DEVPATH!=\"/devices/virtual/*\""))
        #expect(!everyNIC.contains("KERNEL==\"*\""))
        #expect(!tree.root.exists(SpreadPersistence.unitPath))
        #expect(services.log.contains("disable cmtune-spread.service"))
    }
}

/// Records what would have been done to services.
final class FakeServices: ServiceManager, @unchecked Sendable {
    let hasSystemd: Bool
    private(set) var log: [String] = []

    init(hasSystemd: Bool = false) { self.hasSystemd = hasSystemd }

    func isActive(_ unit: String) -> Bool { false }
    func isEnabled(_ unit: String) -> Bool { false }
    func perform(_ action: ServiceAction, unit: String) -> String? {
        log.append("\(action.rawValue) \(unit)")
        return nil
    }
    func spawn(_ command: [String]) -> String? {
        log.append("spawn " + command.joined(separator: " "))
        return nil
    }
    func terminate(pids: [Int]) -> String? {
        log.append("terminate " + pids.map(String.init).joined(separator: ","))
        return nil
    }
}
