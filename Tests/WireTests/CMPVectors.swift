import NIOCore
import Wire

/// Hand-written CMP messages, one comment per field, checked against docs/protocol.md rather
/// than produced by `CMPEncoder` (a round trip through our own encoder would prove nothing).
/// The first six are the spec's "An exchange"; together they cover every message type.
struct CMPVector: Sendable, CustomStringConvertible {
    let name: String
    let bytes: [UInt8]
    let message: CMPMessage

    init(_ name: String, _ bytes: [UInt8], _ message: CMPMessage) {
        self.name = name
        self.bytes = bytes
        self.message = message
    }

    var description: String { name }
}

enum CMPVectors {
    static let token = "v1.1795000000.*.Q2x"

    static let login = CMPVector(
        "LOGIN",
        [
            0x10, 0x2C,  // LOGIN, remaining length 44
            0x00, 0x03, 0x43, 0x4D, 0x50,  // protocol name "CMP"
            0x01,  // version 1
            0x00, 0x3C,  // keep-alive 60
            0x00, 0x05, 0x61, 0x6C, 0x69, 0x63, 0x65,  // user "alice"
            0x00, 0x05, 0x70, 0x68, 0x6F, 0x6E, 0x65,  // device "phone"
            0x00, 0x13,  // token, 19 bytes: "v1.1795000000.*.Q2x"
            0x76, 0x31, 0x2E, 0x31, 0x37, 0x39, 0x35, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x2E, 0x2A, 0x2E, 0x51,
            0x32, 0x78,
            0x00,  // no extensions
        ],
        .login(CMPLogin(keepAlive: 60, user: "alice", device: "phone", token: token)))

    static let loginAck = CMPVector(
        "LOGIN_ACK",
        [
            0x20, 0x14,  // LOGIN_ACK, remaining length 20
            0x00,  // success
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11,  // session 17
            0x00, 0x00, 0x01, 0xA1, 0xEE, 0x56, 0x5E, 0x7B,  // server time 1795000000123
            0x00, 0x3C,  // keep-alive 60
            0x00,  // no extensions
        ],
        .loginAck(CMPLoginAck(result: .success, sessionID: 17, serverTime: 1_795_000_000_123, keepAlive: 60)))

    /// The spec's bytes, verbatim.
    static let send = CMPVector(
        "SEND",
        [0x30, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x62, 0x6f, 0x62, 0x00, 0x68, 0x69],
        .send(CMPSend(messageID: 1, recipient: "bob", payload: .text("hi"))))

    static let deliver = CMPVector(
        "DELIVER",
        [
            0x50, 0x21,  // DELIVER, no room, remaining length 33
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x29,  // server message id 9001
            0x00, 0x05, 0x61, 0x6C, 0x69, 0x63, 0x65,  // sender "alice"
            0x00, 0x05, 0x70, 0x68, 0x6F, 0x6E, 0x65,  // device "phone"
            0x00, 0x00, 0x01, 0xA1, 0xEE, 0x56, 0x5E, 0xC8,  // server time 1795000000200
            0x00,  // no extensions
            0x68, 0x69,  // payload "hi"
        ],
        .deliver(
            CMPDeliver(
                serverMessageID: 9001, senderUser: "alice", senderDevice: "phone", serverTime: 1_795_000_000_200,
                payload: .text("hi"))))

    static let sendAck = CMPVector(
        "SEND_ACK",
        [
            0x40, 0x0E,  // SEND_ACK, remaining length 14
            0x00, 0x00, 0x00, 0x01,  // client message id 1
            0x00,  // success
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x29,  // server message id 9001
            0x00,  // no extensions
        ],
        .sendAck(CMPSendAck(messageID: 1, result: .success, serverMessageID: 9001)))

    static let deliverAck = CMPVector(
        "DELIVER_ACK",
        [
            0x60, 0x09,  // DELIVER_ACK, remaining length 9
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x23, 0x29,  // server message id 9001
            0x00,  // no extensions
        ],
        .deliverAck(CMPDeliverAck(serverMessageID: 9001)))

    static let ping = CMPVector("PING", [0x70, 0x00], .ping)
    static let pong = CMPVector("PONG", [0x80, 0x00], .pong)

    static let kickShutdown = CMPVector(
        "KICK server-shutdown",
        [
            0x90, 0x08,  // KICK, remaining length 8
            0x91,  // server-shutdown
            0x06,  // extension block: 6 bytes
            0x02, 0x04, 0x00, 0x00, 0x13, 0x88,  // reconnect-delay (2), 4 bytes: 5000 ms
        ],
        .kick(CMPKick(reason: .serverShutdown, extensions: CMPExtensions(reconnectDelay: 5000))))

    static let logout = CMPVector(
        "LOGOUT",
        [0xA0, 0x01, 0x00],  // LOGOUT, remaining length 1, no extensions
        .logout(CMPLogout()))

    static let sendToRoom = CMPVector(
        "SEND to a room, with client-time and content-type",
        [
            0x31, 0x23,  // SEND, flag bit 0 (room), remaining length 35
            0x00, 0x00, 0x00, 0x02,  // client message id 2
            0x00, 0x04, 0x74, 0x65, 0x61, 0x6D,  // recipient "team"
            0x16,  // extension block: 22 bytes
            0x03, 0x08, 0x00, 0x06, 0x60, 0x8B, 0x01, 0x5F, 0x30, 0x7B,  // client-time (3): 1795000000000123 µs
            0x04, 0x0A, 0x74, 0x65, 0x78, 0x74, 0x2F, 0x70, 0x6C, 0x61, 0x69, 0x6E,  // content-type (4): "text/plain"
            0x79, 0x6F,  // payload "yo"
        ],
        .send(
            CMPSend(
                messageID: 2, recipient: "team", toRoom: true,
                extensions: CMPExtensions(clientTime: 1_795_000_000_000_123, contentType: "text/plain"),
                payload: .text("yo"))))

    static let deliverFromRoom = CMPVector(
        "DELIVER from a room, with an unknown extension, empty payload",
        [
            0x51, 0x22,  // DELIVER, flag bit 0 (room present), remaining length 34
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,  // server message id 42
            0x00, 0x01, 0x61,  // sender "a"
            0x00, 0x01, 0x70,  // device "p"
            0x00, 0x00, 0x01, 0xA1, 0xEE, 0x56, 0x5E, 0xC8,  // server time 1795000000200
            0x00, 0x04, 0x74, 0x65, 0x61, 0x6D,  // room "team"
            0x05,  // extension block: 5 bytes
            0x80, 0x01, 0x02, 0xBE, 0xEF,  // id 128 (two-byte varint), 2 bytes: BE EF
        ],
        .deliver(
            CMPDeliver(
                serverMessageID: 42, senderUser: "a", senderDevice: "p", serverTime: 1_795_000_000_200, room: "team",
                extensions: CMPExtensions(unknown: [CMPUnknownExtension(id: 128, value: [0xBE, 0xEF])]),
                payload: ByteBuffer())))

    static let sendAckRejected = CMPVector(
        "SEND_ACK recipient-offline with a reason string",
        [
            0x40, 0x18,  // SEND_ACK, remaining length 24
            0x00, 0x00, 0x00, 0x07,  // client message id 7
            0x87,  // recipient-offline
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // server message id 0
            0x0A,  // extension block: 10 bytes
            0x01, 0x08, 0x6E, 0x6F, 0x20, 0x73, 0x74, 0x6F, 0x72, 0x65,  // reason-string (1): "no store"
        ],
        .sendAck(
            CMPSendAck(
                messageID: 7, result: .recipientOffline, serverMessageID: 0,
                extensions: CMPExtensions(reasonString: "no store"))))

    /// Every message type at least once.
    static let all: [CMPVector] = [
        login, loginAck, send, deliver, sendAck, deliverAck, ping, pong, kickShutdown, logout, sendToRoom,
        deliverFromRoom, sendAckRejected,
    ]
}
