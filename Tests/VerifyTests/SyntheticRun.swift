import Foundation
import HostKit
import Load
import Verify

/// A synthetic verify run: two CPUs and a CM with two busy loops (and an idle second NIO group),
/// sampled once a second, with every counter growing by a fixed step so the expected shares are
/// exact.
enum SyntheticRun {
    /// Per second: CPU 0 user 50, system 10, softirq 30, idle 10 ticks and 10,000 packets
    /// processed; CPU 1 user 50, system 10, idle 40 and 100 packets.
    static func sample(at second: Int, cpus: [Int] = [0, 1]) -> VerifySample {
        let n = UInt64(second)
        var times: [Int: CPUTimes.Ticks] = [:]
        var softnet: [Int: SoftnetStat.Row] = [:]
        for cpu in cpus {
            var ticks = CPUTimes.Ticks()
            ticks.user = 50 * n
            ticks.system = 10 * n
            ticks.softirq = cpu == 0 ? 30 * n : 0
            ticks.idle = cpu == 0 ? 10 * n : 40 * n
            times[cpu] = ticks
            softnet[cpu] = SoftnetStat.Row(processed: (cpu == 0 ? 10_000 : 100) * n, dropped: 0, timeSqueeze: 0, receivedRPS: 0, flowLimitCount: 0)
        }
        let counters = CounterSample(
            time: Double(second), online: CPUSet(cpus), cpuTimes: CPUTimes(cpus: times),
            softnet: SoftnetStat(cpus: softnet, hadCPUColumn: true))
        func thread(_ id: Int, _ name: String, ticksPerSecond: UInt64, cpu: Int) -> ThreadTimes.Thread {
            ThreadTimes.Thread(id: id, name: name, ticks: ticksPerSecond * n, processor: cpu, allowedCPUs: CPUSet([cpu]))
        }
        let threads = [
            thread(10, "NIO-ELT-0-#0", ticksPerSecond: 50, cpu: 0), thread(11, "NIO-ELT-0-#1", ticksPerSecond: 40, cpu: 1),
            thread(20, "NIO-ELT-1-#0", ticksPerSecond: 1, cpu: 0), thread(30, "main", ticksPerSecond: 5, cpu: 1),
        ]
        return VerifySample(
            time: Double(second), counters: counters, threads: ThreadTimes(threads: Dictionary(uniqueKeysWithValues: threads.map { ($0.id, $0) })))
    }

    /// What `cm load --json` prints, with the fields the analysis reads set.
    static func load(rampSeconds: Double = 1, seconds: Double = 3, lost: Int = 0, latency: Bool = true) -> LoadResult {
        let json = """
            {"target":"tcp://10.213.0.1:4000","pattern":"p2p","payloadBytes":64,"connectionsRequested":300,
             "connectionsOK":300,"connectionsFailed":0,"failures":{},"rampSeconds":\(rampSeconds),"seconds":\(seconds),
             "rateRequested":3000,"messages":9000,"messageRate":2999.5,"sent":9000,"notSent":0,"acks":{},
             "ackedSuccess":9000,"delivered":\(9000 - lost),"lost":\(lost),"disconnected":0,"kicks":{},"sendRate":2999.5,
             "deliveryRate":2990,"generatorCPUSeconds":1.5\(latency ? #","latency":{"count":8990,"p50":0.4,"p90":0.9,"p99":2.5,"p999":7.5,"max":12}"# : "")}
            """
        return try! JSONDecoder().decode(LoadResult.self, from: Data(json.utf8))
    }
}
