import CM
import HostKit
import Testing

@Suite("LoopPlacement")
struct LoopPlacementTests {
    @Test("auto: the loops avoid the CPUs that take NIC interrupts placed by cmtune")
    func avoidsPlacedInterrupts() throws {
        let plan = try LoopPlacement.plan(loops: nil, pin: .auto, online: CPUSet(0..<4), nicIRQCPUs: [0, 1])
        #expect(plan.loopCPUs == [2, 3])
        #expect(plan.explanation.contains("CPU 0-1 take NIC interrupts"))
    }

    @Test("auto: every online CPU when cmtune placed nothing, or when interrupts are everywhere")
    func allCPUs() throws {
        #expect(try LoopPlacement.plan(loops: nil, pin: .auto, online: CPUSet(0..<2), nicIRQCPUs: nil).loopCPUs == [0, 1])
        #expect(try LoopPlacement.plan(loops: nil, pin: .auto, online: CPUSet(0..<2), nicIRQCPUs: [0, 1]).loopCPUs == [0, 1])
    }

    @Test("a loop count other than the CPU count shares CPUs round-robin or takes the first")
    func loopCounts() throws {
        #expect(try LoopPlacement.plan(loops: 5, pin: .cpus([1, 3]), online: CPUSet(0..<4), nicIRQCPUs: nil).loopCPUs == [1, 3, 1, 3, 1])
        #expect(try LoopPlacement.plan(loops: 1, pin: .auto, online: CPUSet(0..<4), nicIRQCPUs: nil).loopCPUs == [0])
    }

    @Test("off: unpinned loops, one per online CPU by default")
    func unpinned() throws {
        #expect(try LoopPlacement.plan(loops: nil, pin: .off, online: CPUSet(0..<3), nicIRQCPUs: [0]).loopCPUs == [nil, nil, nil])
    }

    @Test("an offline CPU or a zero loop count is refused with the reason")
    func refusals() {
        #expect(throws: LoopPlacement.PlacementError.self) {
            try LoopPlacement.plan(loops: nil, pin: .cpus([1, 7]), online: CPUSet(0..<4), nicIRQCPUs: nil)
        }
        do {
            _ = try LoopPlacement.plan(loops: nil, pin: .cpus([1, 7]), online: CPUSet(0..<4), nicIRQCPUs: nil)
        } catch {
            #expect(error.description == "--pin 1,7: CPU 7 is not online (online: 0-3)")
        }
        #expect(throws: LoopPlacement.PlacementError.self) {
            try LoopPlacement.plan(loops: 0, pin: .auto, online: CPUSet(0..<4), nicIRQCPUs: nil)
        }
    }
}
