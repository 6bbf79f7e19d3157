import ArgumentParser
import Foundation
import HostKit
import Verify

extension CMTune {
    /// `cmtune verify`: prove a host spreads a real CM's load evenly over its cores.
    struct VerifyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Run the reference CM under load, sample every core and CM loop, and judge the balance.",
            discussion: """
                Starts 'cmtune cm serve' (or measures a running CM with --cm PID --target URL --secret-file KEY), drives it \
                with 'cmtune cm load', samples each CPU (user, system, irq, softirq) and each CM event loop thread every \
                second, and fails when the busiest core or loop is over --threshold times the mean, or when one CPU does \
                the softirq work of all. --netns makes it self-contained: the CM in one network namespace, the load in \
                another, joined by a veth pair with --queues queues (as root; removed at the end, also on Ctrl-C). \
                Exit status 0 pass, 1 fail, 2 could not run.
                """
        )

        @Option(name: .long, help: ArgumentHelp("spawn (start the reference CM) or the PID of a running CM.", valueName: "spawn|PID"))
        var cm = "spawn"

        @Option(name: .long, help: ArgumentHelp("With --cm PID: the CM's CMP address.", valueName: "URL"))
        var target: String?

        @Option(name: .long, help: ArgumentHelp("With --cm PID: the CM's token secret.", valueName: "FILE"))
        var secretFile: String?

        @Option(name: .long, help: "Simulated users (one connection each).")
        var connections = 2000

        @Option(name: .long, help: ArgumentHelp("Messages per second during the measurement.", valueName: "N/s"))
        var rate = RateArgument(perSecond: 20000)

        @Option(name: .long, help: ArgumentHelp("p2p, fanout:N or mixed.", valueName: "PATTERN"))
        var pattern = "p2p"

        @Option(name: .long, help: ArgumentHelp("Length of the measurement, after the ramp.", valueName: "DURATION"))
        var duration = DurationArgument(seconds: 30)

        @Option(name: .long, help: "Fail when the busiest core (or loop) is over this many times the mean.")
        var threshold = 1.25

        @Option(name: .long, help: ArgumentHelp("Write a self-contained HTML report here.", valueName: "FILE"))
        var report: String?

        @Flag(name: .long, help: "Print the verdict, balance ratios, per-CPU means and latency as JSON.")
        var json = false

        @Flag(name: .long, help: "Run CM and load in two network namespaces joined by a veth pair (root).")
        var netns = false

        @Option(name: .long, help: "With --netns: queues of the veth pair.")
        var queues = 4

        @Option(
            name: .long,
            help: ArgumentHelp("With --netns: CPUs that process what both ends of the veth pair receive (RPS); default every online CPU.", valueName: "CPULIST")
        )
        var rps: String?

        func validate() throws {
            if cm != "spawn" {
                guard Int32(cm) != nil else { throw ValidationError("--cm \(cm): spawn or a process id") }
                guard target != nil, secretFile != nil else { throw ValidationError("--cm PID needs --target and --secret-file") }
                guard !netns else { throw ValidationError("--netns starts its own CM: leave out --cm PID") }
            }
            guard threshold > 1 else { throw ValidationError("--threshold \(threshold): more than 1 (1 is perfect balance)") }
            guard connections >= 2 else { throw ValidationError("--connections: at least 2") }
            guard (1...64).contains(queues) else { throw ValidationError("--queues: from 1 to 64") }
            if let rps {
                do { _ = try CPUSet(parsingList: rps) } catch { throw ValidationError("--rps \(rps): \(error)") }
            }
            if rps != nil && !netns { throw ValidationError("--rps applies to --netns only") }
        }

        func run() throws {
            let options = VerifyRun.Options(
                cmPID: Int32(cm), target: target, secretFile: secretFile, connections: connections, rate: rate.perSecond,
                pattern: pattern, duration: duration.seconds, threshold: threshold, netns: netns, queues: queues,
                rps: try rps.map { try CPUSet(parsingList: $0) }, quiet: json || !Console.standardErrorIsTerminal)
            let outcome: VerifyReport
            do {
                outcome = try VerifyRun(options: options).run()
            } catch {
                Console.error("verify: \(error)")
                throw ExitCode(2)
            }
            if let report {
                do {
                    try outcome.html().write(toFile: report, atomically: true, encoding: .utf8)
                } catch {
                    Console.error("verify: cannot write \(report): \(error.localizedDescription)")
                    throw ExitCode(2)
                }
            }
            if json {
                try SortedJSON.print(outcome)
            } else {
                print(VerifyText.render(outcome, reportPath: report))
            }
            if outcome.verdict == .fail { throw ExitCode(1) }
        }
    }
}
