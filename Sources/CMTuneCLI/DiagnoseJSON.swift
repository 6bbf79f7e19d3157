import HostKit
import Tuning

/// `cmtune diagnose --json`, schema in docs/json.md.
enum DiagnoseJSON {
    static func document(_ diagnosis: Diagnosis) -> JSONValue {
        .object([
            ("verdict", .string(diagnosis.verdict.rawValue)),
            ("exitCode", .int(Int(diagnosis.verdict.exitCode))),
            ("root", .string(diagnosis.inventory.root)),
            ("seconds", .optional(diagnosis.rates?.seconds) { .double($0) }),
            ("sinceBoot", .bool(diagnosis.basis != .sampled)),
            ("basis", .string(diagnosis.basis.rawValue)),
            ("checksNotRun", .array(diagnosis.checksNotRun.map { .string($0) })),
            ("findings", .array(diagnosis.findings.map(HostJSON.observation))),
            ("cpus", .array((diagnosis.rates?.cpus ?? []).map(cpu))),
            ("sysctls", .object(diagnosis.sysctls.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("notes", .array((diagnosis.rates?.notes ?? []).map { .string($0) })),
            ("issues", HostJSON.issues(diagnosis.issues)),
        ])
    }

    static func cpu(_ rate: CounterRates.CPURate) -> JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 100).rounded() / 100) } ?? .null }
        return .object([
            ("cpu", .int(rate.cpu)),
            ("user", number(rate.user)), ("system", number(rate.system)), ("irq", number(rate.irq)), ("softirq", number(rate.softirq)),
            ("idle", number(rate.idle)), ("iowait", number(rate.iowait)), ("steal", number(rate.steal)),
            ("netRXPerSecond", number(rate.netRX)), ("netTXPerSecond", number(rate.netTX)),
            ("processedPerSecond", number(rate.processed)), ("droppedPerSecond", number(rate.dropped)),
            ("squeezedPerSecond", number(rate.squeezed)), ("receivedRPSPerSecond", number(rate.receivedRPS)),
            ("interruptsPerSecond", number(rate.interrupts)),
        ])
    }
}
