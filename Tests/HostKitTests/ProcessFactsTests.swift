import CMTuneTestSupport
import HostKit
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Process facts (/proc/PID)")
struct ProcessFactsTests {
    /// This host's /proc/self/limits with the open-files row replaced.
    static func limits(openFiles soft: String, _ hard: String) -> String {
        StackFixture.text("limits-6.18").split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix("Max open files") else { return String(line) }
            let padded = { (text: String, width: Int) in text + String(repeating: " ", count: max(1, width - text.count)) }
            return padded("Max open files", 26) + padded(soft, 21) + padded(hard, 21) + padded("files", 10)
        }.joined(separator: "\n")
    }

    static func process(_ tree: FixtureTree, pid: Int, comm: String, cmdline: [String], limits: String?, descriptors: Int) {
        tree.write("proc/\(pid)/comm", comm)
        tree.write("proc/\(pid)/cmdline", cmdline.map { $0 + "\u{0}" }.joined(), newline: false)
        if let limits { tree.write("proc/\(pid)/limits", limits, newline: false) }
        tree.makeDirectories("proc/\(pid)/fd")
        for descriptor in 0..<descriptors { tree.link("proc/\(pid)/fd/\(descriptor)", to: "socket:[\(1000 + descriptor)]") }
    }

    @Test("the real limits layout: soft and hard open files, argv split on NUL, descriptors counted")
    func fixture() throws {
        let tree = FixtureTree()
        Self.process(
            tree, pid: 4242, comm: "cmtune", cmdline: ["/usr/bin/cmtune", "cm", "serve", "", "--port", "9000"],
            limits: Self.limits(openFiles: "1024", "524288"), descriptors: 7)
        let facts = try #require(ProcessFacts.read(pid: 4242, from: tree.root))
        #expect(facts.issues.isEmpty, "\(facts.issues)")
        #expect(facts.comm == "cmtune")
        #expect(facts.arguments == ["/usr/bin/cmtune", "cm", "serve", "", "--port", "9000"])
        #expect(facts.openFilesLimitKnown)
        #expect(facts.openFilesSoft == 1024)
        #expect(facts.openFilesHard == 524_288)
        #expect(facts.openDescriptors == 7)
        // The unmodified file as this host printed it.
        let shell = FixtureTree()
        Self.process(shell, pid: 1, comm: "bash", cmdline: ["bash"], limits: StackFixture.text("limits-6.18"), descriptors: 0)
        let real = try #require(ProcessFacts.read(pid: 1, from: shell.root))
        #expect(real.openFilesSoft == 20000 && real.openFilesHard == 20000 && real.openFilesLimitKnown)
        #expect(real.openDescriptors == 0)
    }

    @Test("'unlimited' is nil with the limit known; a kernel thread has no arguments; argv rewritten as one string stays one")
    func unlimitedAndArguments() throws {
        let tree = FixtureTree()
        Self.process(tree, pid: 2, comm: "kthreadd", cmdline: [], limits: Self.limits(openFiles: "unlimited", "unlimited"), descriptors: 0)
        tree.write("proc/3/comm", "nginx")
        tree.write("proc/3/cmdline", "nginx: master process /usr/sbin/nginx", newline: false)
        tree.write("proc/3/limits", Self.limits(openFiles: "65536", "unlimited"), newline: false)
        let kernel = try #require(ProcessFacts.read(pid: 2, from: tree.root))
        #expect(kernel.arguments == [])
        #expect(kernel.openFilesLimitKnown)
        #expect(kernel.openFilesSoft == nil && kernel.openFilesHard == nil)
        let nginx = try #require(ProcessFacts.read(pid: 3, from: tree.root))
        #expect(nginx.arguments == ["nginx: master process /usr/sbin/nginx"])
        #expect(nginx.openFilesSoft == 65536 && nginx.openFilesHard == nil)
        #expect(nginx.openDescriptors == nil)  // no fd directory in this copy
    }

    @Test("a process that is gone is nil; pid 0 and negative pids are nil")
    func gone() {
        let tree = FixtureTree()
        tree.makeDirectories("proc/77")
        #expect(ProcessFacts.read(pid: 77, from: tree.root) == nil)
        #expect(ProcessFacts.read(pid: 78, from: tree.root) == nil)
        #expect(ProcessFacts.read(pid: 0, from: tree.root) == nil)
        #expect(ProcessFacts.read(pid: -1, from: tree.root) == nil)
    }

    @Test("limits missing, without the row, over 64 bits or garbage: the limit is unknown, with an issue and its line")
    func badLimits() throws {
        let tree = FixtureTree()
        Self.process(tree, pid: 10, comm: "a", cmdline: ["a"], limits: nil, descriptors: 1)
        Self.process(
            tree, pid: 11, comm: "b", cmdline: ["b"], limits: "Limit                     Soft Limit           Hard Limit           Units     \n", descriptors: 1
        )
        Self.process(tree, pid: 12, comm: "c", cmdline: ["c"], limits: Self.limits(openFiles: "18446744073709551616", "1"), descriptors: 1)
        Self.process(tree, pid: 13, comm: "d", cmdline: ["d"], limits: "Max open files \u{0}\u{1}\u{2} \u{ff}\n", descriptors: 1)
        Self.process(tree, pid: 14, comm: "e", cmdline: ["e"], limits: "Max open files            1024\n", descriptors: 1)
        for pid in 10...14 {
            let facts = try #require(ProcessFacts.read(pid: pid, from: tree.root))
            #expect(!facts.openFilesLimitKnown, "pid \(pid)")
            #expect(facts.openFilesSoft == nil && facts.openFilesHard == nil)
            #expect(facts.issues.count == 1, "pid \(pid): \(facts.issues)")
            #expect(facts.issues.first?.path == tree.root.absolute("proc/\(pid)/limits"))
            #expect(facts.openDescriptors == 1)
        }
        let overflow = try #require(ProcessFacts.read(pid: 12, from: tree.root))
        #expect(overflow.issues.first?.line == 9)
        #expect(overflow.issues.first?.message.contains("64 bits") == true)
        let garbage = try #require(ProcessFacts.read(pid: 13, from: tree.root))
        #expect(garbage.issues.first?.line == 1)
        #expect(garbage.issues.first?.message.contains("\\x00") == true)
    }

    @Test("find: matches on argv or comm; other entries of /proc are skipped")
    func find() {
        let tree = FixtureTree()
        Self.process(
            tree, pid: 100, comm: "cmtune", cmdline: ["/opt/cmtune", "cm", "serve"], limits: Self.limits(openFiles: "1048576", "1048576"), descriptors: 3)
        Self.process(tree, pid: 101, comm: "cmtune", cmdline: ["/opt/cmtune", "diagnose"], limits: Self.limits(openFiles: "1024", "4096"), descriptors: 2)
        Self.process(tree, pid: 102, comm: "sshd", cmdline: ["sshd: root"], limits: Self.limits(openFiles: "1024", "4096"), descriptors: 2)
        tree.link("proc/self", to: "100")
        tree.write("proc/uptime", "1.0 1.0")
        tree.makeDirectories("proc/sys")
        let found = ProcessFacts.find(from: tree.root) { facts in
            facts.arguments.count >= 3 && facts.arguments[1] == "cm" && facts.arguments[2] == "serve"
        }
        #expect(found.map(\.pid) == [100])
        #expect(found.first?.openFilesSoft == 1_048_576)
        #expect(found.first?.openDescriptors == 3)
        #expect(ProcessFacts.find(from: tree.root) { $0.comm == "cmtune" }.map(\.pid) == [100, 101])
        #expect(ProcessFacts.find(from: FixtureTree().root) { _ in true }.isEmpty)
    }

    @Test("countEntries counts a large directory without listing it for the caller")
    func countEntries() throws {
        let tree = FixtureTree()
        tree.makeDirectories("proc/9/fd")
        for descriptor in 0..<2000 { tree.link("proc/9/fd/\(descriptor)", to: "pipe:[\(descriptor)]") }
        #expect(try tree.root.countEntries("proc/9/fd") == 2000)
        #expect(throws: HostError.self) { try tree.root.countEntries("proc/9/missing") }
    }

    #if os(Linux)
    @Test("live: this process's open-files limit is getrlimit(RLIMIT_NOFILE), its argv and descriptors are there")
    func live() throws {
        let pid = Int(getpid())
        let facts = try #require(ProcessFacts.read(pid: pid, from: HostRoot()))
        var limit = rlimit()
        #expect(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(facts.openFilesLimitKnown)
        #expect(facts.openFilesSoft == (limit.rlim_cur == rlim_t.max ? nil : UInt64(limit.rlim_cur)))
        #expect(facts.openFilesHard == (limit.rlim_max == rlim_t.max ? nil : UInt64(limit.rlim_max)))
        #expect(facts.pid == pid)
        #expect(!facts.comm.isEmpty)
        #expect(!facts.arguments.isEmpty)
        #expect(CommandLine.arguments.first.map { facts.arguments.first == $0 } ?? true)
        // A hundred more descriptors show in the count (other tests running beside this one
        // open and close a few, hence the margin).
        let before = try #require(facts.openDescriptors)
        let extra = (0..<100).map { _ in open("/dev/null", O_RDONLY) }
        defer { for descriptor in extra where descriptor >= 0 { close(descriptor) } }
        #expect(extra.allSatisfy { $0 >= 0 })
        let after = try #require(ProcessFacts.read(pid: pid, from: HostRoot())?.openDescriptors)
        #expect(before >= 3)
        #expect(after >= before + 50)
        #expect(facts.issues.isEmpty, "\(facts.issues)")
        let found = ProcessFacts.find(from: HostRoot()) { $0.pid == pid }
        #expect(found.map(\.pid) == [pid])
    }
    #endif
}
