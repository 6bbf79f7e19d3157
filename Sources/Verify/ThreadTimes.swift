import HostKit

/// CPU time of each thread of a process, from /proc/PID/task/TID/stat, to tell how evenly a
/// CM's event loops share the work (the CM's own busy ratios are not needed: any CM can be
/// measured this way).
public struct ThreadTimes: Sendable, Equatable {
    public struct Thread: Sendable, Equatable {
        public var id: Int
        /// /proc/PID/task/TID/comm: NIO names its loop threads "NIO-ELT-<group>-#<n>".
        public var name: String
        /// utime + stime, in clock ticks.
        public var ticks: UInt64
        /// The CPU it last ran on (field 39).
        public var processor: Int?
        /// The CPUs it may run on (`Cpus_allowed_list` of its status file); one CPU means pinned.
        public var allowedCPUs: CPUSet?

        public init(id: Int, name: String, ticks: UInt64, processor: Int?, allowedCPUs: CPUSet? = nil) {
            self.id = id
            self.name = name
            self.ticks = ticks
            self.processor = processor
            self.allowedCPUs = allowedCPUs
        }

        /// The CPU it is pinned to, when it may run on exactly one.
        public var pinnedCPU: Int? {
            guard let allowedCPUs, allowedCPUs.count == 1 else { return nil }
            return allowedCPUs.first
        }
    }

    public var threads: [Int: Thread]

    public init(threads: [Int: Thread]) {
        self.threads = threads
    }

    /// Reads every thread of `pid` under `root`; threads that vanish while reading are skipped.
    public static func read(pid: Int32, from root: HostRoot) -> ThreadTimes {
        var threads: [Int: Thread] = [:]
        let directory = "proc/\(pid)/task"
        for entry in (try? root.list(directory)) ?? [] {
            guard let id = Int(entry),
                let stat = try? root.read("\(directory)/\(entry)/stat"),
                var thread = parse(stat: stat, id: id)
            else { continue }
            thread.name = ((try? root.read("\(directory)/\(entry)/comm")) ?? "").trimmingNewline
            thread.allowedCPUs = allowedCPUs(inStatus: (try? root.read("\(directory)/\(entry)/status")) ?? "")
            threads[id] = thread
        }
        return ThreadTimes(threads: threads)
    }

    /// Parses one stat line (HostKit's `ProcessStat`); `id` names the thread whatever the line says.
    public static func parse(stat: String, id: Int) -> Thread? {
        guard let fields = ProcessStat(parsing: stat) else { return nil }
        return Thread(id: id, name: "", ticks: fields.ticks, processor: fields.processor)
    }

    /// `Cpus_allowed_list:\t0-3` from a status file.
    static func allowedCPUs(inStatus status: String) -> CPUSet? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return try? CPUSet(parsingList: line.dropFirst("Cpus_allowed_list:".count).drop { $0 == " " || $0 == "\t" })
    }

    /// The NIO event loop threads, in loop order (by the number after `#`).
    public var eventLoopThreads: [Thread] {
        threads.values.filter { $0.name.hasPrefix("NIO-ELT-") }.sorted { loopNumber($0) < loopNumber($1) }
    }

    private func loopNumber(_ thread: Thread) -> (Int, Int) {
        let parts = thread.name.dropFirst("NIO-ELT-".count).split(separator: "-#")
        return (Int(parts.first ?? "") ?? 0, Int(parts.last ?? "") ?? thread.id)
    }
}

extension String {
    fileprivate var trimmingNewline: String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
