import ArgumentParser
import HostKit
import Tuning

extension CMTune {
    /// `cmtune top`: a live per-CPU view of where receive work runs.
    struct Top: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "top",
            abstract: "Live per-CPU view: %usr %sys %irq %soft %idle, NET_RX/s, packets/s, drops/s, squeezes/s, and per-queue rates.",
            discussion: """
                Full screen on a terminal (q quits); one block of plain lines per interval when piped; \
                JSON lines with --json. --root replays a tree's counters (useful to measure the sampler).
                """
        )

        @Option(name: .long, help: "Time between refreshes (e.g. 1s, 500ms).")
        var interval = DurationArgument(seconds: 1)

        @Option(name: .customLong("iface"), help: "Also show per-queue rates of this interface.")
        var interface: String?

        @Option(name: .long, help: "Stop after this many refreshes (default: until q or Ctrl-C).")
        var count: Int?

        @OptionGroup var rootOptions: RootOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count \(count): give 1 or more") }
            guard interval.seconds <= 3600 else { throw ValidationError("--interval \(interval): at most 1h") }
            if rootOptions.hostRoot.isLiveSystem && interval.seconds < 0.1 {
                throw ValidationError("--interval \(interval): at least 100ms on a live host")
            }
        }

        func run() throws {
            // First: Ctrl-C must end even the first read, and never leave the terminal raw.
            StoppableWait.install()
            let root = rootOptions.hostRoot
            var issues: [HostIssue] = []
            let facts = interface == nil ? nil : FactsSource.forRoot(root, issues: &issues)
            let inventory = HostInventory.read(from: root, selection: interface.map { .named([$0]) } ?? .withQueues, facts: facts)
            issues += inventory.issues
            if let interface, !inventory.interfaces.contains(where: { $0.name == interface }) {
                _ = Console.report(issues)
                throw ExitCode(1)
            }
            let sampler = Sampler(root: root, inventory: inventory)
            let console = Console()
            let screen = output.json ? nil : Terminal.fullScreen()
            let view = TopView(console: console, inventory: inventory, interface: interface)
            var previous = sampler.sample()
            issues += previous.issues
            var refreshes = 0
            defer { screen?.restore() }
            while !StoppableWait.stopRequested {
                if let screen {
                    if let key = screen.key(within: interval.seconds), key == UInt8(ascii: "q") || key == UInt8(ascii: "Q") { break }
                } else {
                    _ = StoppableWait.wait(interval.seconds)
                }
                if StoppableWait.stopRequested { break }
                let current = sampler.sample()
                let rates = CounterRates(from: previous, to: current)
                previous = current
                refreshes += 1
                if let screen {
                    screen.draw(view.screen(rates, size: screen.size))
                } else if output.json {
                    console.print(TopJSON.line(rates, interface: interface).rendered(pretty: false))
                } else {
                    console.print(view.block(rates).joined(separator: "\n") + "\n")
                }
                if let count, refreshes >= count { break }
            }
            screen?.restore()
            let status = Console.report(issues + previous.issues.filter { !issues.contains($0) })
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// What `top` draws: the per-CPU table and, for one interface, its queues.
struct TopView {
    let console: Console
    let inventory: HostInventory
    let interface: String?

    func screen(_ rates: CounterRates, size: (rows: Int, columns: Int)) -> [String] {
        var lines = [header(rates) + "   (q quits)"]
        var table = CPURateTable(console: console)
        table.barWidth = max(0, min(30, size.columns - 96))
        var cpuLines = table.render(shownCPUs(rates, rows: size.rows - 3 - queueLines(rates).count))
        if cpuLines.count < rates.cpus.count + 1 {
            cpuLines.append(console.paint("(\(rates.cpus.count - cpuLines.count + 1) quieter CPUs not shown; widen or enlarge the window)", .dim))
        }
        lines += cpuLines + queueLines(rates)
        return Array(lines.prefix(size.rows))
    }

    func block(_ rates: CounterRates) -> [String] {
        [header(rates)] + CPURateTable(console: console).render(rates) + queueLines(rates)
    }

    private func header(_ rates: CounterRates) -> String {
        let totalRX = rates.cpus.compactMap(\.netRX).reduce(0, +)
        let drops = rates.cpus.compactMap(\.dropped).reduce(0, +)
        return console.paint("cmtune top", .bold)
            + "  \(rates.cpus.count) CPUs  every \(NumberText.seconds(rates.seconds)) s  NET_RX \(NumberText.grouped(totalRX))/s  drops \(NumberText.grouped(drops))/s"
            + (rates.notes.isEmpty ? "" : "  " + console.paint(rates.notes.joined(separator: "; "), .yellow))
    }

    /// When the window is short, the busiest CPUs (by softirq, then busy) are shown.
    private func shownCPUs(_ rates: CounterRates, rows: Int) -> CounterRates {
        guard rows > 1, rates.cpus.count > rows - 1 else { return rates }
        var copy = rates
        copy.cpus = Array(rates.cpus.sorted { (($0.softirq ?? 0), ($0.busy ?? 0)) > (($1.softirq ?? 0), ($1.busy ?? 0)) }.prefix(rows - 1)).sorted {
            $0.cpu < $1.cpu
        }
        return copy
    }

    private func queueLines(_ rates: CounterRates) -> [String] {
        guard let interface, let report = inventory.interfaces.first(where: { $0.name == interface }) else { return [] }
        let counters = rates.queues[interface]
        var table = TextTable([("QUEUE", .left), ("IRQ", .right), ("ON CPU", .left), ("IRQ/s", .right), ("rx pkts/s", .right), ("tx pkts/s", .right)])
        for queue in report.queues {
            let rx = queue.kind == .tx ? nil : counters?.rx[queue.index]
            let tx = queue.kind == .rx ? nil : counters?.tx[queue.index]
            table.add([
                queue.label, queue.irq.map(String.init) ?? "-", queue.firingCPUs?.listString ?? "",
                queue.irq.flatMap { rates.irqs[$0] }.map(NumberText.grouped) ?? "",
                rx.map(NumberText.grouped) ?? "", tx.map(NumberText.grouped) ?? "",
            ])
        }
        var lines = [""]
        let total = rates.interfaces[interface]
        lines.append(
            console.paint(interface, .bold) + "  " + (total.map { "rx \(NumberText.grouped($0.rx)) pkts/s  tx \(NumberText.grouped($0.tx)) pkts/s" } ?? "")
                + "  per-queue packets from " + (counters.map { $0.source.rawValue } ?? "nowhere (driver has no per-queue counters)"))
        lines += table.render(console: console)
        return lines
    }
}

/// `cmtune top --json`: one compact JSON object per interval.
enum TopJSON {
    static func line(_ rates: CounterRates, interface: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("seconds", .double(rates.seconds)),
            ("cpus", .array(rates.cpus.map(DiagnoseJSON.cpu))),
            ("notes", .array(rates.notes.map { .string($0) })),
        ]
        if let interface {
            let queues = rates.queues[interface]
            members.append(("interface", .string(interface)))
            members.append(("rxPacketsPerSecond", .optional(rates.interfaces[interface]?.rx) { .double($0) }))
            members.append(("queueSource", .string(queues?.source.rawValue)))
            members.append(("rxQueuePacketsPerSecond", .object((queues?.rx ?? [:]).sorted { $0.key < $1.key }.map { (String($0.key), .double($0.value)) })))
            members.append(("txQueuePacketsPerSecond", .object((queues?.tx ?? [:]).sorted { $0.key < $1.key }.map { (String($0.key), .double($0.value)) })))
        }
        return .object(members)
    }
}
