import HostKit

/// `cmtune nic --json`, schema in docs/json.md. Unknown values are `null`; an empty CPU list
/// means "none" (RPS off), never "unknown".
enum NICJSON {
    static func document(_ inventory: HostInventory, issues: [HostIssue]) -> JSONValue {
        .object([
            ("root", .string(inventory.root)),
            ("cpus", HostJSON.topology(inventory.topology)),
            ("rpsSockFlowEntries", .int(inventory.rpsSockFlowEntries)),
            ("initialNetworkNamespace", .bool(inventory.isInitialNetworkNamespace)),
            ("otherNamespaceDevices", .array(inventory.otherNamespaceDevices.map { .string($0) })),
            ("interfaces", .array(inventory.interfaces.map(interface))),
            ("issues", HostJSON.issues(issues)),
        ])
    }

    static func interface(_ report: InterfaceReport) -> JSONValue {
        let interface = report.interface
        let device = interface.device
        let facts = report.facts
        var notSupported: [JSONValue] = []
        var failures: [JSONValue] = []
        func query<Value>(_ name: String, _ query: DeviceQuery<Value>?, _ encode: (Value) -> JSONValue) -> JSONValue {
            switch query {
            case .value(let value)?: return encode(value)
            case .notSupported?:
                notSupported.append(.string(name))
                return .null
            case .failed(let failure)?:
                failures.append(HostJSON.failure(failure))
                return .null
            case nil: return .null
            }
        }
        let channels = query("channels", facts?.channels, HostJSON.channels)
        let rings = query("rings", facts?.rings, HostJSON.rings)
        let coalescing = query("coalescing", facts?.coalescing, HostJSON.coalescing)
        let rss = query("rss", facts?.rss, HostJSON.rss)
        _ = query("netdevQueues", facts?.queues) { _ in .null }
        _ = query("napi", facts?.napis) { _ in .null }
        return .object([
            ("name", .string(interface.name)),
            ("ifindex", .int(interface.ifindex)),
            ("driver", .string(device?.driver)),
            ("bus", .string(device?.bus)),
            ("busID", .string(device?.busID)),
            ("pciAddress", .string(device?.pciAddress)),
            ("numaNode", .int(device?.numaNode)),
            ("localCPUs", HostJSON.cpus(device?.localCPUs)),
            ("operState", .string(interface.operState)),
            ("mtu", .int(interface.mtu)),
            ("virtual", .bool(device == nil && !report.inferredFromIRQNames)),
            ("inferredFromIRQNames", .bool(report.inferredFromIRQNames)),
            ("irqScheme", .string(report.irqScheme)),
            ("rxQueueCount", .int(interface.rxQueues.count)),
            ("txQueueCount", .int(interface.txQueues.count)),
            ("queues", .array(report.queues.map(queue))),
            ("otherIRQs", .array(report.otherIRQs.map(otherIRQ))),
            ("channels", channels),
            ("rings", rings),
            ("coalescing", coalescing),
            ("rss", rss),
            ("notSupported", .array(notSupported)),
            ("queryFailures", .array(failures)),
            ("observations", .array(report.observations.map(HostJSON.observation))),
        ])
    }

    static func queue(_ queue: QueueReport) -> JSONValue {
        .object([
            ("kind", .string(queue.kind.rawValue)),
            ("index", .int(queue.index)),
            ("irq", .int(queue.irq)),
            ("irqName", .string(queue.irqName)),
            ("irqSource", .string(queue.irqSource?.rawValue)),
            ("irqShared", .bool(queue.irqShared)),
            ("affinity", HostJSON.cpus(queue.settings?.affinity)),
            ("effectiveAffinity", HostJSON.cpus(queue.settings?.effectiveAffinity)),
            ("affinityHint", HostJSON.cpus(queue.settings?.affinityHint)),
            ("managed", .bool(queue.settings?.managed)),
            ("interrupts", .int(queue.interruptCount)),
            ("napiID", .int(queue.napiID)),
            ("napiThreadPID", .int(queue.napiThreadPID)),
            ("rpsCPUs", queue.kind == .tx ? .array([]) : HostJSON.cpus(queue.rpsCPUs)),
            ("rfsFlowCount", queue.kind == .tx ? .null : .int(queue.rpsFlowCount)),
            ("xpsCPUs", queue.kind == .rx ? .array([]) : HostJSON.cpus(queue.xpsCPUs)),
            ("xpsRxQueues", queue.kind == .rx ? .array([]) : HostJSON.cpus(queue.xpsRxQueues)),
        ])
    }

    static func otherIRQ(_ other: InterfaceReport.OtherIRQ) -> JSONValue {
        .object([
            ("irq", .int(other.irq)),
            ("name", .string(other.name)),
            ("role", .string(other.role.label)),
            ("irqSource", .string(other.source.rawValue)),
            ("affinity", HostJSON.cpus(other.settings?.affinity)),
            ("effectiveAffinity", HostJSON.cpus(other.settings?.effectiveAffinity)),
        ])
    }
}

/// JSON forms shared by several commands.
enum HostJSON {
    static func cpus(_ set: CPUSet?) -> JSONValue {
        set.map { .array($0.map { .int($0) }) } ?? .null
    }

    static func topology(_ topology: CPUTopology) -> JSONValue {
        .object([
            ("online", cpus(topology.online)),
            ("possible", cpus(topology.possible)),
            ("isolated", cpus(topology.isolated)),
            ("nohzFull", cpus(topology.nohzFull)),
            ("numaNodes", .array(topology.nodes.map { .object([("node", .int($0.id)), ("cpus", cpus($0.cpus))]) })),
        ])
    }

    static func issues(_ issues: [HostIssue]) -> JSONValue {
        .array(issues.map { .object([("path", .string($0.path)), ("line", .int($0.line)), ("message", .string($0.message))]) })
    }

    static func failure(_ failure: DeviceQueryFailure) -> JSONValue {
        .object([
            ("call", .string(failure.call)),
            ("errno", .int(failure.errno)),
            ("libnlCode", .int(failure.libnlCode)),
            ("message", .string(failure.message)),
        ])
    }

    static func observation(_ observation: Observation) -> JSONValue {
        .object([
            ("code", .string(observation.code)),
            ("severity", .string(observation.severity.rawValue)),
            ("subject", .string(observation.subject)),
            ("evidence", .string(observation.evidence)),
            ("fix", .string(observation.fix)),
            ("manualFix", .string(observation.manualFix)),
        ])
    }

    static func channels(_ channels: ChannelCounts) -> JSONValue {
        .object([
            ("rx", .int(channels.rx)), ("tx", .int(channels.tx)), ("other", .int(channels.other)), ("combined", .int(channels.combined)),
            ("maxRx", .int(channels.maxRx)), ("maxTx", .int(channels.maxTx)), ("maxOther", .int(channels.maxOther)),
            ("maxCombined", .int(channels.maxCombined)),
        ])
    }

    static func rings(_ rings: RingSizes) -> JSONValue {
        .object([
            ("rx", .int(rings.rx)), ("tx", .int(rings.tx)), ("rxMini", .int(rings.rxMini)), ("rxJumbo", .int(rings.rxJumbo)),
            ("maxRx", .int(rings.maxRx)), ("maxTx", .int(rings.maxTx)), ("maxRxMini", .int(rings.maxRxMini)),
            ("maxRxJumbo", .int(rings.maxRxJumbo)), ("rxBufferLength", .int(rings.rxBufferLength)), ("cqeSize", .int(rings.cqeSize)),
        ])
    }

    static func coalescing(_ value: Coalescing) -> JSONValue {
        .object([
            ("adaptiveRx", .bool(value.adaptiveRx)), ("adaptiveTx", .bool(value.adaptiveTx)),
            ("rxUsecs", .int(value.rxUsecs)), ("rxMaxFrames", .int(value.rxMaxFrames)),
            ("rxUsecsIRQ", .int(value.rxUsecsIRQ)), ("rxMaxFramesIRQ", .int(value.rxMaxFramesIRQ)),
            ("txUsecs", .int(value.txUsecs)), ("txMaxFrames", .int(value.txMaxFrames)),
            ("txUsecsIRQ", .int(value.txUsecsIRQ)), ("txMaxFramesIRQ", .int(value.txMaxFramesIRQ)),
            ("statsBlockUsecs", .int(value.statsBlockUsecs)), ("packetRateLow", .int(value.packetRateLow)),
            ("packetRateHigh", .int(value.packetRateHigh)), ("sampleIntervalSeconds", .int(value.sampleIntervalSeconds)),
        ])
    }

    static func rss(_ rss: RSSConfiguration) -> JSONValue {
        .object([
            ("hashFunctions", .array(rss.hashFunctions.map { .string($0) })),
            ("indirectionTable", .array(rss.indirectionTable.map { .int(Int($0)) })),
            ("hashKey", .string(Format.hex(rss.hashKey))),
        ])
    }
}
