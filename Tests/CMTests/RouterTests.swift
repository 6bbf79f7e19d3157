import NIOCore
import Synchronization
import Testing
import Wire

@testable import CM

/// The Router with sessions whose endpoints only record, and no loop: where each SEND goes and
/// what its sender is answered.
@Suite("CM router")
struct RouterTests {
    /// A session's connection that records what reaches it, and writes (or fails) at once.
    final class RecordingEndpoint: SessionEndpoint {
        struct Answer: Equatable {
            var clientMessageID: UInt32
            var result: CMPResultCode
            var serverMessageID: UInt64
        }

        let writes: Bool
        let delivered = Mutex<[(CMPDeliver, toRecipient: Bool)]>([])
        let answers = Mutex<[Answer]>([])
        let kicks = Mutex<[CMPResultCode]>([])

        init(writes: Bool = true) { self.writes = writes }

        func deliver(_ deliver: CMPDeliver, tracker: DeliveryTracker, toRecipient: Bool) {
            delivered.withLock { $0.append((deliver, toRecipient)) }
            tracker.finished(written: writes, toRecipient: toRecipient)
        }

        func sendAnswered(clientMessageID: UInt32, result: CMPResultCode, serverMessageID: UInt64) {
            answers.withLock { $0.append(Answer(clientMessageID: clientMessageID, result: result, serverMessageID: serverMessageID)) }
        }

        func kick(_ reason: CMPResultCode, text: String) {
            kicks.withLock { $0.append(reason) }
        }

        var deliveries: [(CMPDeliver, toRecipient: Bool)] { delivered.withLock { $0 } }
        var answered: [Answer] { answers.withLock { $0 } }
    }

    /// Other nodes that hold the users they are told, and record what is forwarded.
    final class RecordingNodes: OtherNodes {
        let holding: [String: [NodeID]]
        let forwarded = Mutex<[(String, NodeID)]>([])

        init(holding: [String: [NodeID]]) { self.holding = holding }

        func nodes(holding user: String) -> [NodeID] { holding[user] ?? [] }

        func forward(_ deliver: CMPDeliver, to user: String, on node: NodeID, tracker: DeliveryTracker) {
            forwarded.withLock { $0.append((user, node)) }
            tracker.finished(written: true, toRecipient: true)
        }
    }

    final class Fixture {
        let registry = InMemorySessionRegistry()
        let router: Router
        var sessionIDs: UInt64 = 0

        init(store: (any OfflineStore)? = nil, nodes: any OtherNodes = NoOtherNodes()) {
            router = Router(registry: registry, offlineStore: store, otherNodes: nodes)
        }

        func session(_ user: String, _ device: String = "phone", writes: Bool = true) -> (SessionHandle, RecordingEndpoint) {
            sessionIDs += 1
            let endpoint = RecordingEndpoint(writes: writes)
            let session = SessionHandle(user: user, device: device, sessionID: sessionIDs, endpoint: endpoint)
            _ = registry.register(session)
            return (session, endpoint)
        }

        func route(_ text: String, to recipient: String, from sender: SessionHandle, id: UInt32 = 1, room: Bool = false) -> Router.Decision {
            router.route(
                CMPSend(messageID: id, recipient: recipient, toRoom: room, payload: ByteBuffer(string: text)), from: sender, serverTime: 42)
        }
    }

    @Test("recipient on this node: one DELIVER; the sender is answered success when it is written")
    func localRecipient() throws {
        let cm = Fixture()
        let (alice, aliceEnd) = cm.session("alice")
        let (_, bobEnd) = cm.session("bob")
        guard case .deliver(let plan) = cm.route("hi", to: "bob", from: alice, id: 9) else {
            Issue.record("not delivered")
            return
        }
        #expect(aliceEnd.answered.isEmpty, "answered only when written")
        plan.dispatch(through: cm.router.otherNodes)
        let deliver = try #require(bobEnd.deliveries.first)
        #expect(bobEnd.deliveries.count == 1 && deliver.toRecipient)
        #expect(deliver.0.senderUser == "alice" && deliver.0.senderDevice == "phone" && deliver.0.serverTime == 42)
        #expect(deliver.0.payload == ByteBuffer(string: "hi"))
        #expect(aliceEnd.answered == [.init(clientMessageID: 9, result: .success, serverMessageID: deliver.0.serverMessageID)])
    }

    @Test("recipient offline with a store: stored-offline with the message id; the store has it")
    func offlineWithStore() {
        let store = InMemoryOfflineStore(perUser: 10, totalBytes: 1 << 20)
        let cm = Fixture(store: store)
        let (alice, _) = cm.session("alice")
        guard case .answer(.storedOffline, let id, _) = cm.route("later", to: "bob", from: alice) else {
            Issue.record("not stored")
            return
        }
        let kept = store.take(for: "bob")
        #expect(kept.map(\.serverMessageID) == [id] && id > 0)
        #expect(kept.first?.payload == ByteBuffer(string: "later"))
    }

    @Test("recipient offline without a store, or with the store full: recipient-offline with a reason")
    func offlineWithoutStore() {
        let cm = Fixture()
        let (alice, _) = cm.session("alice")
        guard case .answer(.recipientOffline, 0, let reason?) = cm.route("x", to: "bob", from: alice) else {
            Issue.record("not refused")
            return
        }
        #expect(reason.contains("no offline store"))

        let full = Fixture(store: InMemoryOfflineStore(perUser: 0, totalBytes: 0))
        let (carol, _) = full.session("carol")
        guard case .answer(.recipientOffline, 0, let why?) = full.route("x", to: "bob", from: carol) else {
            Issue.record("not refused")
            return
        }
        #expect(why.contains("full"))
    }

    @Test("every device of the recipient and the sender's other devices get it; the sending one does not")
    func multipleDevices() {
        let cm = Fixture()
        let (alicePhone, alicePhoneEnd) = cm.session("alice", "phone")
        let (_, aliceLaptopEnd) = cm.session("alice", "laptop")
        let (_, bobPhoneEnd) = cm.session("bob", "phone")
        let (_, bobTabletEnd) = cm.session("bob", "tablet")
        guard case .deliver(let plan) = cm.route("hello", to: "bob", from: alicePhone) else {
            Issue.record("not delivered")
            return
        }
        plan.dispatch(through: cm.router.otherNodes)
        #expect(bobPhoneEnd.deliveries.map { $0.toRecipient } == [true])
        #expect(bobTabletEnd.deliveries.map { $0.toRecipient } == [true])
        #expect(aliceLaptopEnd.deliveries.map { $0.toRecipient } == [false], "a copy, not a delivery")
        #expect(alicePhoneEnd.deliveries.isEmpty)
        #expect(alicePhoneEnd.answered.map(\.result) == [.success], "answered once, after all three")
    }

    @Test("copies alone never make a SEND delivered: recipient-offline when the recipient's writes fail")
    func copiesAreNotDeliveries() {
        let cm = Fixture()
        let (alicePhone, alicePhoneEnd) = cm.session("alice", "phone")
        _ = cm.session("alice", "laptop")
        _ = cm.session("bob", writes: false)
        guard case .deliver(let plan) = cm.route("x", to: "bob", from: alicePhone) else {
            Issue.record("not delivered")
            return
        }
        plan.dispatch(through: cm.router.otherNodes)
        #expect(alicePhoneEnd.answered == [.init(clientMessageID: 1, result: .recipientOffline, serverMessageID: 0)])
    }

    @Test("to yourself with no other device: success at once, nothing written")
    func toOwnOnlyDevice() {
        let cm = Fixture()
        let (alice, aliceEnd) = cm.session("alice")
        guard case .answer(.success, let id, nil) = cm.route("note", to: "alice", from: alice) else {
            Issue.record("not answered")
            return
        }
        #expect(id > 0 && aliceEnd.deliveries.isEmpty)
    }

    @Test("rooms and empty recipients: recipient-invalid, no message id used")
    func invalidRecipients() {
        let cm = Fixture()
        let (alice, _) = cm.session("alice")
        guard case .answer(.recipientInvalid, 0, _) = cm.route("x", to: "general", from: alice, room: true) else {
            Issue.record("room")
            return
        }
        guard case .answer(.recipientInvalid, 0, _) = cm.route("x", to: "", from: alice) else {
            Issue.record("empty")
            return
        }
    }

    @Test("a recipient on another node: forwarded through the seam, answered when that node confirms")
    func otherNode() {
        let nodes = RecordingNodes(holding: ["bob": [NodeID(name: "cm-b")]])
        let cm = Fixture(nodes: nodes)
        let (alice, aliceEnd) = cm.session("alice")
        guard case .deliver(let plan) = cm.route("far", to: "bob", from: alice) else {
            Issue.record("not delivered")
            return
        }
        plan.dispatch(through: nodes)
        #expect(nodes.forwarded.withLock { $0.map { $0.0 } } == ["bob"])
        #expect(nodes.forwarded.withLock { $0.map { $0.1 } } == [NodeID(name: "cm-b")])
        #expect(aliceEnd.answered.map(\.result) == [.success])
    }

    @Test("a recipient here and on another node: both get it, one answer")
    func localAndOtherNode() {
        let nodes = RecordingNodes(holding: ["bob": [NodeID(name: "cm-b")]])
        let cm = Fixture(nodes: nodes)
        let (alice, aliceEnd) = cm.session("alice")
        let (_, bobEnd) = cm.session("bob")
        guard case .deliver(let plan) = cm.route("both", to: "bob", from: alice) else {
            Issue.record("not delivered")
            return
        }
        plan.dispatch(through: nodes)
        #expect(bobEnd.deliveries.count == 1 && nodes.forwarded.withLock { $0.count } == 1)
        #expect(aliceEnd.answered.count == 1)
    }
}
