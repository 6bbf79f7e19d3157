import NIOCore

/// Once a second, on each loop: how busy its thread was (CPU time over wall time) and how many
/// bytes wait for its clients. The busy ratio per loop is the number `verify` compares across
/// loops; measured from the thread's own CPU clock, it counts syscalls and excludes waiting.
final class LoopSampler {
    private let loop: LoopContext
    private var lastWall = NIODeadline.now()
    private var lastCPU = WallClock.threadCPUNanoseconds()

    init(loop: LoopContext) {
        self.loop = loop
    }

    func sample() {
        let wall = NIODeadline.now()
        let cpu = WallClock.threadCPUNanoseconds()
        let elapsed = (wall - lastWall).nanoseconds
        if elapsed > 0 {
            loop.metrics.busyRatio.set(Double(cpu - lastCPU) / Double(elapsed))
            loop.metrics.cpuSeconds.increment(by: Double(cpu - lastCPU) / 1e9)
        }
        loop.metrics.bufferedBytes.set(Int64(loop.bufferedBytes()))
        lastWall = wall
        lastCPU = cpu
    }
}
