import CMTuneTestSupport
import Foundation
import HostKit
import SystemPackage
import Testing

@Suite("entering a named network namespace")
struct NetworkNamespaceEntryTests {
    @Test("a name iproute2 could not have made is refused before anything is opened", arguments: ["", ".", "..", "a/b", "../x"])
    func invalidName(name: String) {
        let failure = #expect(throws: NetworkNamespaceEntry.Failure.self) {
            try NetworkNamespaceEntry.run(inNamed: name) { () -> Int in 1 }
        }
        #expect(failure?.step == .invalidName && failure?.errno == .invalidArgument)
    }

    @Test("a namespace that does not exist is ENOENT, said so, and the body does not run")
    func missing() {
        var ran = false
        let failure = #expect(throws: NetworkNamespaceEntry.Failure.self) {
            try NetworkNamespaceEntry.run(inNamed: "cmtune-no-such-\(getpid())") { () -> Void in ran = true }
        }
        #expect(failure?.isMissing == true && !ran)
        #expect(failure?.description.contains("there is no network namespace named cmtune-no-such-") == true)
    }

    @Test("inside, the thread is in the namespace; after, it is back; the body's error comes back as it was", .needsRoot, .timeLimit(.minutes(1)))
    func entersAndReturns() throws {
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")
        let bed = VethTestbed(first: .init(namespace: "cmtnse-\(getpid())", device: "a0"), second: .init(namespace: "cmtnse-\(getpid())", device: "a1"))
        try bed.with { bed in
            let inside = try NetworkNamespaceEntry.run(inNamed: bed.first.namespace) { () throws(CocoaErrorLike) -> String in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")) ?? ""
            }.get()
            #expect(inside != own && inside.hasPrefix("net:["))
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net") == own)
            let failed = try NetworkNamespaceEntry.run(inNamed: bed.first.namespace) { () throws(CocoaErrorLike) -> Int in
                throw CocoaErrorLike()
            }
            #expect(throws: CocoaErrorLike.self) { try failed.get() }
        }
    }
}

private struct CocoaErrorLike: Error, Equatable {}
