import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Work per IRQ or per queue that needs nothing of the others (reading a queue's files, naming an
/// IRQ) runs as well on every CPU at once as on one: reading the settings of a host with 32k
/// IRQs is system calls end to end, and takes a fraction of the time spread over the CPUs. Small
/// inputs stay on the calling thread, where starting threads would cost more than it saves.
enum ParallelMap {
    /// `body` applied to every element, in chunks on up to one thread per online CPU; the
    /// results in the elements' order.
    static func map<Element: Sendable, Output: Sendable>(
        _ elements: [Element], minimumChunk: Int = 512, _ body: @Sendable (Element) -> Output
    ) -> [Output] {
        let processors = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let chunks = min(processors, elements.count / max(minimumChunk, 1))
        guard chunks > 1 else { return elements.map(body) }
        let size = (elements.count + chunks - 1) / chunks
        let parts = Mutex([[Output]?](repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * size
            let end = min(start + size, elements.count)
            let part = start < end ? elements[start..<end].map(body) : []
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { $0.flatMap { $0 ?? [] } }
    }
}

/// A value computed on other threads while the caller goes on: the IRQ files of a large host are
/// read while its /proc/interrupts names are matched to devices, which needs none of them.
final class BackgroundWork<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Value?>(nil)

    init(_ work: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async { [self] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }
    }

    /// The value, once the work has finished.
    func wait() -> Value {
        done.wait()
        done.signal()
        return result.withLock { $0! }
    }
}
