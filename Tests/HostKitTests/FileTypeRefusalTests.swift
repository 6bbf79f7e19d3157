import CMTuneTestSupport
import HostKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A copied tree can hold anything where a /proc or /sys file should be. Reading a FIFO waits
/// for a writer forever and /dev/zero never ends, so every reader refuses what is not a
/// regular file, at once and with the path and what it is.
@Suite("Files that are not regular files", .timeLimit(.minutes(1)))
struct FileTypeRefusalTests {
    static let header = "           CPU0       CPU1\n"

    @Test("a FIFO at proc/interrupts: the inventory returns at once with one issue naming it")
    func fifoInventory() throws {
        let tree = FixtureTree()
        tree.makeFIFO("proc/interrupts")
        let started = MonotonicClock.now()
        let inventory = HostInventory.read(from: tree.root, selection: .all, irqScope: .all)
        #expect(MonotonicClock.now() - started < 5)
        let issue = try #require(inventory.issues.first { $0.path == tree.root.absolute("proc/interrupts") })
        #expect(issue.description == "\(tree.path)/proc/interrupts: is a FIFO, not a file; refusing to read it")
        #expect(inventory.interrupts.lines.isEmpty)
    }

    @Test("the refusal is a typed HostError with a one-line description, not a missing file")
    func typedError() {
        let tree = FixtureTree()
        tree.makeFIFO("proc/interrupts")
        #expect {
            _ = try tree.root.readIfPresent("proc/interrupts")
        } throws: { error in
            guard let error = error as? HostError else { return false }
            return error.kind == .notRegularFile(.fifo) && !error.isMissing && error.operation == .read
                && error.description == "\(tree.path)/proc/interrupts is a FIFO, not a file; refusing to read it"
                && error.reason == "is a FIFO, not a file; refusing to read it"
        }
    }

    @Test("a link to /dev/zero is a character device and is refused, not read for ever")
    func linkToDevZero() {
        let tree = FixtureTree()
        tree.link("proc/softirqs", to: "/dev/zero")
        #expect(throws: HostError(.read, path: tree.root.absolute("proc/softirqs"), refused: .characterDevice)) {
            _ = try tree.root.readBytes("proc/softirqs")
        }
    }

    @Test("device nodes made with mknod are refused without being opened (root)", .enabled(if: isRoot, "mknod needs CAP_MKNOD"))
    func deviceNodes() throws {
        let tree = FixtureTree()
        // /dev/null's and /dev/loop0's numbers: harmless even if they were opened.
        try #require(tree.makeDevice("proc/stat", character: true, major: 1, minor: 3), "mknod failed: errno \(errno)")
        try #require(tree.makeDevice("proc/net/softnet_stat", character: false, major: 7, minor: 0), "mknod failed: errno \(errno)")
        #expect(throws: HostError(.read, path: tree.root.absolute("proc/stat"), refused: .characterDevice)) {
            _ = try tree.root.read("proc/stat")
        }
        #expect(throws: HostError(.read, path: tree.root.absolute("proc/net/softnet_stat"), refused: .blockDevice)) {
            _ = try tree.root.read("proc/net/softnet_stat")
        }
    }

    @Test("a socket and a directory where a file should be are refused by name")
    func socketAndDirectory() throws {
        let tree = FixtureTree()
        tree.makeDirectories("proc/interrupts")
        let socketPath = tree.root.absolute("sys/class/net/eth0/mtu")
        tree.makeDirectories("sys/class/net/eth0")
        try runChecked(["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath])
        let directory = #expect(throws: HostError.self) { _ = try tree.root.read("proc/interrupts") }
        #expect(directory?.description == "\(tree.path)/proc/interrupts is a directory, not a file; refusing to read it")
        #expect(directory?.errno == .isDirectory)
        let socket = #expect(throws: HostError.self) { _ = try tree.root.read("sys/class/net/eth0/mtu") }
        #expect(socket?.kind == .notRegularFile(.socket))
        // A sysfs attribute that is refused is an issue, not an absent value.
        var issues: [HostIssue] = []
        let interface = NetworkInterface.read(named: "eth0", from: tree.root, issues: &issues)
        #expect(interface.mtu == nil)
        #expect(issues.map(\.description).contains("\(socketPath): is a socket, not a file; refusing to read it"))
    }

    @Test("counter samples name each refused file and go on with the rest")
    func counterSample() throws {
        let tree = FixtureTree()
        tree.write("proc/interrupts", Self.header + "  30:          7          8  IR-PCI-MSI 1-edge      eth0-TxRx-0\n")
        tree.makeFIFO("proc/softirqs")
        tree.link("proc/stat", to: "/dev/zero")
        let sample = CounterSample.read(from: tree.root)
        #expect(sample.interrupts?.line(irq: 30)?.counts == [7, 8])
        #expect(sample.softirqs == nil)
        #expect(sample.cpuTimes == nil)
        let messages = sample.issues.map(\.description)
        #expect(messages.contains("\(tree.path)/proc/softirqs: is a FIFO, not a file; refusing to read it; softirq rates unknown"))
        #expect(messages.contains("\(tree.path)/proc/stat: is a character device, not a file; refusing to read it; CPU utilisation unknown"))
    }

    @Test("a snapshot skips a FIFO it was asked to copy and says so")
    func snapshotSkipsFIFO() throws {
        let source = FixtureTree()
        source.makeFIFO("proc/interrupts")
        source.write("proc/uptime", "12.5 3.0")
        let recorder = AccessRecorder()
        _ = HostInventory.read(from: HostRoot(source.path, recorder: recorder))
        _ = CounterSample.uptime(from: HostRoot(source.path, recorder: recorder))
        let copy = FixtureTree()
        let summary = try HostSnapshot(source: source.root, destination: copy.path + "/snap").copy(recorder.accesses)
        #expect(summary.skipped.map(\.description) == ["\(source.path)/proc/interrupts: is a FIFO, not a file; refusing to read it"])
        #expect(!HostRoot(copy.path + "/snap").exists("proc/interrupts"))
        #expect(try HostRoot(copy.path + "/snap").read("proc/uptime") == "12.5 3.0")
    }

    @Test("a regular file still reads whole, its newline kept by readBytes")
    func regularFile() throws {
        let tree = FixtureTree()
        tree.write("proc/sys/net/core/somaxconn", "4096")
        #expect(try tree.root.readBytes("proc/sys/net/core/somaxconn") == Array("4096\n".utf8))
        #expect(try tree.root.read("proc/sys/net/core/somaxconn") == "4096")
    }
}
