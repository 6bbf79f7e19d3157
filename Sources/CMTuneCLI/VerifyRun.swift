import Dispatch
import Foundation
import HostKit
import Load
import Tuning
import Verify

/// One `verify` run: set up (namespaces, CM), drive the load while sampling every second,
/// tear down, and judge.
struct VerifyRun {
    struct Options {
        var cmPID: Int32?
        var target: String?
        var secretFile: String?
        var connections: Int
        var rate: Double
        var pattern: String
        var duration: Double
        var threshold: Double
        var netns: Bool
        var queues: Int
        var rps: CPUSet?
        var quiet: Bool
    }

    struct RunError: Error, CustomStringConvertible {
        var description: String
    }

    let options: Options
    private let root = HostRoot("/")

    /// What was sampled at one instant.
    private struct Sample {
        var time: Double
        var counters: CounterSample
        var threads: ThreadTimes
    }

    func run() throws -> VerifyReport {
        let started = Date()
        let online = (try? CPUSet(parsingList: (try? root.read("sys/devices/system/cpu/online")) ?? "")) ?? CPUSet([0])
        var namespaces: VerifyNamespaces?
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cmtune-verify-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var children: [Process] = []
        let cleanup = Cleanup()
        defer {
            cleanup.run()
            try? FileManager.default.removeItem(at: scratch)
        }
        if let rps = options.rps, !rps.subtracting(online).isEmpty {
            throw RunError(description: "--rps \(rps.listString): CPU \(rps.subtracting(online).listString) is not online (online: \(online.listString))")
        }
        if options.netns {
            guard geteuid() == 0 else { throw RunError(description: "--netns needs root (it creates network namespaces)") }
            let created = VerifyNamespaces(queues: options.queues)
            cleanup.add { created.remove() }
            try created.create(cmRPS: options.rps ?? online, loadRPS: options.rps ?? online)
            namespaces = created
        }
        let signals = Self.interruptions { cleanup.run() }
        defer { signals.forEach { $0.cancel() } }

        // The CM.
        let cmPID: Int32
        let target: String
        let secretFile: String
        var metricsURL: String?
        if let pid = options.cmPID, let given = options.target, let secret = options.secretFile {
            (cmPID, target, secretFile) = (pid, given, secret)
        } else {
            secretFile = scratch.appendingPathComponent("KEY").path
            try Data((0..<32).map { _ in UInt8.random(in: 0...255) }.map { String(format: "%02x", $0) }.joined().utf8)
                .write(to: URL(fileURLWithPath: secretFile))
            let address = namespaces?.cmAddress ?? "127.0.0.1"
            var arguments = [Self.executable, "cm", "serve", "--secret-file", secretFile, "--listen", "tcp://\(address):0",
                             "--metrics", "\(address):0", "--log-level", "error", "--send-rate", "0", "--max-write-buffer", "8MiB"]
            if let namespaces { arguments = ["ip", "netns", "exec", namespaces.cmNamespace] + arguments }
            let (process, lines) = try Self.start(arguments, until: { $0.contains("metrics on ") })
            children.append(process)
            cleanup.add { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            guard let listening = lines.first(where: { $0.contains("listening on ") }) else { throw RunError(description: "the CM printed no listener") }
            target = String(listening.split(separator: " ").last ?? "")
            metricsURL = lines.first { $0.contains("metrics on ") }.map { String($0.split(separator: " ").last ?? "") }
            cmPID = process.processIdentifier
        }
        progress("CM pid \(cmPID) at \(target); \(options.connections) connections, \(Int(options.rate))/s for \(Int(options.duration)) s")

        // The load, sampled every second while it runs.
        var loadArguments = [Self.executable, "cm", "load", "--target", target, "--secret-file", secretFile, "--json",
                             "--connections", String(options.connections), "--rate", "\(options.rate)/s", "--pattern", options.pattern,
                             "--duration", "\(options.duration)s", "--cm-pid", String(cmPID), "--connect-rate", "5000/s",
                             "--user-prefix", "verify"]
        if let namespaces { loadArguments = ["ip", "netns", "exec", namespaces.loadNamespace] + loadArguments }
        let loadStart = MonotonicClock.now()
        let loadChild = try ChildProcess.launch(loadArguments)
        let load = loadChild.process
        let (loadOutput, loadErrors) = (loadChild.output, loadChild.errors)
        cleanup.add { if load.isRunning { kill(load.processIdentifier, SIGKILL) } }
        let outputReader = PipeCollector(loadOutput)
        let errorReader = PipeCollector(loadErrors)
        var samples: [Sample] = []
        var loopConnections: [Int: Int] = [:]
        while load.isRunning {
            samples.append(Sample(time: MonotonicClock.now(), counters: CounterSample.read(from: root), threads: ThreadTimes.read(pid: cmPID, from: root)))
            if let metricsURL, samples.count % 5 == 3 {
                let counts = scrapeConnections(metricsURL, namespace: namespaces?.cmNamespace)
                if counts.values.reduce(0, +) >= loopConnections.values.reduce(0, +) { loopConnections = counts }
            }
            progress("sampling: \(samples.count) s")
            Thread.sleep(until: Date(timeIntervalSinceNow: 1.0 - (MonotonicClock.now() - samples.last!.time)))
        }
        load.waitUntilExit()
        let resultText = outputReader.finish()
        let loadError = errorReader.finish()
        guard let result = try? JSONDecoder().decode(LoadResult.self, from: resultText) else {
            throw RunError(description: "cm load gave no result (exit status \(load.terminationStatus)): \(String(decoding: loadError, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }

        // The measured window: after the ramp, for the measured phase.
        let windowStart = loadStart + result.rampSeconds + 0.5
        let windowEnd = loadStart + result.rampSeconds + result.seconds + 0.5
        var window = samples.filter { $0.time >= windowStart && $0.time <= windowEnd }
        if window.count < 2 { window = samples }
        guard window.count >= 2 else { throw RunError(description: "the load ended before two samples were taken") }

        let cpus = online.sorted()
        let intervals = zip(window, window.dropFirst()).map { first, second in
            VerifyReport.Interval(offset: second.time - loadStart, cpus: cpus.map { Self.share(cpu: $0, from: first.counters, to: second.counters) })
        }
        let loops = loopRows(first: window.first!, last: window.last!, connections: loopConnections)
        let means = cpus.indices.map { index in
            let count = Double(intervals.count)
            return intervals.reduce(VerifyReport.CPUShare(user: 0, system: 0, irq: 0, softirq: 0)) { sum, interval in
                let share = interval.cpus[index]
                return VerifyReport.CPUShare(
                    user: sum.user + share.user / count, system: sum.system + share.system / count,
                    irq: sum.irq + share.irq / count, softirq: sum.softirq + share.softirq / count)
            }
        }
        // Packets each CPU took through the receive path (softnet_stat "processed"): with RPS that
        // is where the packet was steered, not the CPU that only queued it there.
        let received: [UInt64]? = {
            guard let before = window.first!.counters.softnet?.cpus, let after = window.last!.counters.softnet?.cpus else { return nil }
            return cpus.map { cpu in (after[cpu]?.processed ?? 0) &- (before[cpu]?.processed ?? 0) }
        }()
        let judgement = VerifyJudgement.judge(cpus: cpus, means: means, loops: loops, threshold: options.threshold, receivedPackets: received)
        let host = diagnosis(from: window.first!.counters, to: window.last!.counters)
        var findings = host.findings
        if judgement.verdict == .fail, let reason = judgement.reasons.first(where: { $0.hasPrefix("receive processing is on one CPU") }), let namespaces {
            let rps = options.rps?.listString ?? online.listString
            findings.insert(VerifyReport.Finding(
                severity: "critical", code: "receive-one-cpu",
                title: "receive processing of \(namespaces.cmDevice) and \(namespaces.loadDevice) runs on CPU \(rps) only",
                evidence: "\(reason); rps_cpus of every receive queue is CPU \(rps)",
                fix: "for q in /sys/class/net/\(namespaces.cmDevice)/queues/rx-*; do echo \(online.maskString()) > $q/rps_cpus; done  (or cmtune spread)"),
                at: 0)
        }

        // The veth the CM received on (in its namespace), then the host's own NICs.
        let queueRows = (namespaces.map { ns in
            ns.cmQueueRows().map { VerifyReport.QueueRow(interface: ns.cmDevice, queue: $0.queue, irq: nil, irqAffinity: nil, rpsCPUs: $0.rps, xpsCPUs: $0.xps) }
        } ?? []) + host.queues

        var name = utsname()
        uname(&name)
        let hostName = withUnsafeBytes(of: &name.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let kernel = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let formatter = ISO8601DateFormatter()
        let latency = result.latency.map {
            VerifyReport.Latency(count: $0.count, p50: $0.p50, p90: $0.p90, p99: $0.p99, p999: $0.p999, max: $0.max)
        }
        return VerifyReport(
            host: hostName, kernel: kernel, startedAt: formatter.string(from: started), duration: window.last!.time - window.first!.time,
            verdict: judgement.verdict, threshold: options.threshold, cpuBalance: judgement.cpuBalance,
            loopBalance: judgement.loopBalance, softirqConcentration: judgement.softirqConcentration,
            reasons: judgement.reasons + (result.lost > 0 ? ["\(result.lost) messages acked as delivered never arrived"] : []),
            cpus: cpus, intervals: intervals, loops: loops,
            load: VerifyReport.LoadSummary(
                connectionsOK: result.connectionsOK, connectionsFailed: result.connectionsFailed, sent: result.sent,
                acked: result.ackedSuccess, delivered: result.delivered, lost: result.lost, rate: result.messageRate, latency: latency),
            queues: queueRows, findings: findings)
    }

    // MARK: Pieces

    /// One CPU's shares of its ticks between two samples.
    private static func share(cpu: Int, from first: CounterSample, to second: CounterSample) -> VerifyReport.CPUShare {
        guard let a = first.cpuTimes?.cpus[cpu], let b = second.cpuTimes?.cpus[cpu], b.total > a.total else {
            return VerifyReport.CPUShare(user: 0, system: 0, irq: 0, softirq: 0)
        }
        let total = Double(b.total - a.total)
        func part(_ new: UInt64, _ old: UInt64) -> Double { new >= old ? Double(new - old) / total : 0 }
        return VerifyReport.CPUShare(
            user: part(b.user + b.nice, a.user + a.nice), system: part(b.system, a.system), irq: part(b.irq, a.irq),
            softirq: part(b.softirq, a.softirq))
    }

    /// The CM's event loop threads over the window: the NIO group with the most CPU time.
    private func loopRows(first: Sample, last: Sample, connections: [Int: Int]) -> [VerifyReport.LoopRow] {
        let seconds = max(last.time - first.time, 0.001)
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let threads = last.threads.eventLoopThreads
        let groups = Dictionary(grouping: threads) { $0.name.split(separator: "-#").first.map(String.init) ?? "" }
        func used(_ thread: ThreadTimes.Thread) -> Double {
            let before = first.threads.threads[thread.id]?.ticks ?? thread.ticks
            return Double(thread.ticks &- before) / hertz
        }
        guard let busiest = groups.values.max(by: { $0.map(used).reduce(0, +) < $1.map(used).reduce(0, +) }) else { return [] }
        return busiest.enumerated().map { index, thread in
            VerifyReport.LoopRow(
                index: index, threadID: thread.id, pinnedCPU: thread.pinnedCPU, lastCPU: thread.processor,
                connections: connections[index] ?? 0, busy: used(thread) / seconds)
        }
    }

    /// `cm_connections{loop="N"}` from the CM's metrics (inside its namespace when it has one).
    private func scrapeConnections(_ url: String, namespace: String?) -> [Int: Int] {
        var arguments = ["curl", "-s", "--max-time", "2", url]
        if let namespace { arguments = ["ip", "netns", "exec", namespace] + arguments }
        guard let text = try? VerifyNamespaces.output(arguments) else { return [:] }
        var counts: [Int: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("cm_connections{loop=\"") {
            let rest = line.dropFirst("cm_connections{loop=\"".count)
            guard let quote = rest.firstIndex(of: "\""), let loop = Int(rest[..<quote]),
                let value = Double(rest.split(separator: " ").last ?? "")
            else { continue }
            counts[loop] = Int(value)
        }
        return counts
    }

    /// An empty steering mask means the feature is off, as `cmtune nic` says it.
    private static func steering(_ cpus: CPUSet) -> String {
        cpus.isEmpty ? "off" : cpus.listString
    }

    /// The host's NIC queues as `cmtune nic` reads them: IRQ, where it fires, RPS and XPS.
    private static func hostQueueRows(_ inventory: HostInventory) -> [VerifyReport.QueueRow] {
        inventory.interfaces.flatMap { report in
            report.queues.map { queue in
                VerifyReport.QueueRow(
                    interface: report.name, queue: queue.label, irq: queue.irq,
                    irqAffinity: (queue.settings?.effectiveAffinity ?? queue.settings?.affinity)?.listString,
                    rpsCPUs: queue.rpsCPUs.map(Self.steering), xpsCPUs: queue.xpsCPUs.map(Self.steering))
            }
        }
    }

    /// What `cmtune diagnose` finds over the same window, and the host's queue layout.
    private func diagnosis(from first: CounterSample, to last: CounterSample) -> (findings: [VerifyReport.Finding], queues: [VerifyReport.QueueRow]) {
        var issues: [HostIssue] = []
        let facts = FactsSource.forRoot(root, issues: &issues)
        let inventory = HostInventory.read(from: root, selection: .all, facts: facts)
        let sysctls = Sysctl.read(DiagnoseSysctls.names, from: root, issues: &issues)
        let diagnosis = Diagnosis(
            inventory: inventory, rates: CounterRates(from: first, to: last), ratesSinceBoot: false, sysctls: sysctls,
            irqbalance: ProcessScan.find(["irqbalance"], from: root), issues: issues)
        let findings = diagnosis.findings.filter { $0.severity != .info }.map {
            VerifyReport.Finding(severity: $0.severity.rawValue, code: $0.code, title: $0.subject, evidence: $0.evidence, fix: $0.fix ?? $0.manualFix)
        }
        return (findings, Self.hostQueueRows(inventory))
    }

    private func progress(_ text: String) {
        guard !options.quiet else { return }
        Console.writeStandardError("\r\u{1B}[Kverify: \(text)")
    }

    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Starts a process and reads its stdout until `ready` matches a line (at most 30 s).
    private static func start(_ arguments: [String], until ready: (String) -> Bool) throws -> (Process, [String]) {
        let child = try ChildProcess.launch(arguments)
        let (process, output, errors) = (child.process, child.output, child.errors)
        var lines: [String] = []
        var pending = ""
        let deadline = Date().addingTimeInterval(30)
        while !lines.contains(where: ready) {
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                let message = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
                throw RunError(description: "\(arguments.joined(separator: " ")) did not start: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { continue }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                lines.append(String(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
        }
        return (process, lines)
    }

    /// Ctrl-C and SIGTERM: clean up (namespaces, children), then exit 130.
    private static func interruptions(_ cleanup: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                cleanup()
                Console.writeStandardError("\nverify: interrupted; namespaces and processes removed\n")
                exit(130)
            }
            source.resume()
            return source
        }
    }
}

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

/// Reads a pipe to its end on a background thread, so a child never blocks on a full pipe.
final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
