import Foundation

/// Waits for a condition the test can observe (a process, a namespace, a file), checking it
/// every 50 ms until `timeout`: readiness is what the test waits for, never a fixed sleep.
/// Returns whether the condition came true.
public func waitUntil(timeout seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        usleep(50_000)
    }
}
