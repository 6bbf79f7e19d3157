import HostKit

/// `cmtune irq --json`, schema in docs/json.md.
enum IRQJSON {
    static func document(_ inventory: HostInventory, lines: [InterruptLine], issues: [HostIssue]) -> JSONValue {
        // The queues each IRQ serves, by interface, found once: looked up per IRQ in a NIC's
        // queue list, 32k IRQs of a 32k-queue NIC took seconds.
        var served: [String: [Int: [QueueReport]]] = [:]
        for report in inventory.interfaces {
            for queue in report.queues {
                if let irq = queue.irq { served[report.name, default: [:]][irq, default: []].append(queue) }
            }
        }
        return .object([
            ("root", .string(inventory.root)),
            ("cpus", .array(inventory.interrupts.cpus.map { .int($0) })),
            ("irqs", .array(lines.map { line in irq(line, inventory: inventory, served: served) })),
            ("counters", .array(inventory.interrupts.counters.map(counter))),
            ("issues", HostJSON.issues(issues)),
        ])
    }

    static func irq(_ line: InterruptLine, inventory: HostInventory, served queuesOf: [String: [Int: [QueueReport]]]) -> JSONValue {
        let owners = inventory.ownership.owners(of: line.irq)
        let owner = owners.first
        let settings = inventory.irqSettings[line.irq]
        // Spelled out rather than `map ?? .null`: Swift 6.3.1's optimizer (CopyPropagation)
        // crashes on that form here in release builds.
        var queue = JSONValue.null
        // The queues this IRQ serves, as `nic` shows them: one for a queue vector, all of the
        // device's for a single-vector NIC (which `nic` lists as rx/tx-0, shared).
        let served = owner.flatMap { queuesOf[$0.deviceName]?[line.irq] } ?? []
        if let first = served.first {
            queue = .object([("kind", .string(first.kind.rawValue)), ("index", .int(first.index))])
        } else if let named = owner?.queue {
            queue = .object([("kind", .string(named.kind.rawValue)), ("index", .int(named.index))])
        }
        return .object([
            ("irq", .int(line.irq)),
            ("name", .string(line.name)),
            ("actions", .array(line.actions.map { .string($0) })),
            ("chip", .string(line.chip)),
            ("hardwareIRQ", .string(line.hardwareIRQ)),
            ("trigger", .string(line.trigger)),
            ("counts", .array(line.counts.map { .int(Int(truncatingIfNeeded: $0)) })),
            ("total", .int(Int(truncatingIfNeeded: line.total))),
            ("device", .string(owner?.deviceName)),
            ("queue", queue),
            ("queues", .array(served.map { .string($0.label) })),
            ("shared", .bool(served.first?.irqShared ?? false)),
            ("role", .string(owner?.role.label)),
            ("source", .string(owner?.source.rawValue)),
            ("owners", .array(owners.map(ownerJSON))),
            ("affinity", HostJSON.cpus(settings?.affinity)),
            ("effectiveAffinity", HostJSON.cpus(settings?.effectiveAffinity)),
            ("affinityHint", HostJSON.cpus(settings?.affinityHint)),
            ("node", .int(settings?.node)),
            ("managed", .bool(settings?.managed)),
        ])
    }

    static func ownerJSON(_ owner: IRQOwner) -> JSONValue {
        .object([
            ("device", .string(owner.deviceName)),
            ("interface", .string(owner.interface)),
            ("role", .string(owner.role.label)),
            ("source", .string(owner.source.rawValue)),
            ("scheme", .string(owner.scheme)),
        ])
    }

    static func counter(_ counter: InterruptCounter) -> JSONValue {
        .object([
            ("name", .string(counter.name)),
            ("counts", .array(counter.counts.map { .int(Int(truncatingIfNeeded: $0)) })),
            ("description", .string(counter.description)),
        ])
    }
}
