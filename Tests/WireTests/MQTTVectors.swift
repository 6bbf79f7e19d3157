import Wire

/// Hand-written MQTT packets, one comment per field, checked against the spec text rather
/// than produced by `MQTTEncoder` (a round trip through our own encoder would prove nothing).
/// Each list holds every packet type of its version.
struct MQTTVector: Sendable, CustomStringConvertible {
    let name: String
    let version: MQTTVersion
    let bytes: [UInt8]
    /// Whether `MQTTEncoder` writes exactly these bytes back (false where the spec allows a
    /// longer form than the encoder's canonical one).
    let canonical: Bool

    init(_ name: String, _ version: MQTTVersion, _ bytes: [UInt8], canonical: Bool = true) {
        self.name = name
        self.version = version
        self.bytes = bytes
        self.canonical = canonical
    }

    var description: String { "\(version) \(name)" }
}

enum V311 {
    static let connect: [UInt8] = [
        0x10, 0x1D,  // CONNECT, remaining length 29
        0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // protocol name "MQTT"
        0x04,  // protocol level 4
        0xEE,  // flags: user name, password, will retain, will QoS 1, will, clean session
        0x00, 0x3C,  // keep alive 60
        0x00, 0x02, 0x63, 0x31,  // client identifier "c1"
        0x00, 0x01, 0x77,  // will topic "w"
        0x00, 0x03, 0x62, 0x79, 0x65,  // will payload "bye"
        0x00, 0x01, 0x75,  // user name "u"
        0x00, 0x02, 0x70, 0x77,  // password "pw"
    ]
    static let connectMinimal: [UInt8] = [
        0x10, 0x0C,  // CONNECT, remaining length 12
        0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
        0x04,  // level 4
        0x02,  // flags: clean session only
        0x00, 0x00,  // keep alive 0 (off)
        0x00, 0x00,  // client identifier "" (allowed with clean session)
    ]
    static let connAck: [UInt8] = [
        0x20, 0x02,  // CONNACK, remaining length 2
        0x01,  // acknowledge flags: session present
        0x00,  // return code 0: Connection Accepted
    ]
    static let connAckRefused: [UInt8] = [
        0x20, 0x02,  // CONNACK
        0x00,  // no session
        0x05,  // return code 5: not authorized
    ]
    static let publishQoS0: [UInt8] = [
        0x30, 0x07,  // PUBLISH, QoS 0, remaining length 7
        0x00, 0x03, 0x61, 0x2F, 0x62,  // topic "a/b"
        0x68, 0x69,  // payload "hi"
    ]
    static let publishQoS1: [UInt8] = [
        0x3B, 0x06,  // PUBLISH, DUP, QoS 1, RETAIN, remaining length 6
        0x00, 0x01, 0x74,  // topic "t"
        0x00, 0x0A,  // packet identifier 10
        0x78,  // payload "x"
    ]
    static let publishQoS2: [UInt8] = [
        0x34, 0x05,  // PUBLISH, QoS 2, remaining length 5
        0x00, 0x01, 0x74,  // topic "t"
        0x12, 0x34,  // packet identifier 0x1234
        // empty payload
    ]
    static let pubAck: [UInt8] = [0x40, 0x02, 0x00, 0x0A]  // PUBACK, length 2, packet id 10
    static let pubRec: [UInt8] = [0x50, 0x02, 0x12, 0x34]  // PUBREC, length 2, packet id 0x1234
    static let pubRel: [UInt8] = [0x62, 0x02, 0x12, 0x34]  // PUBREL (flags 0b0010), packet id 0x1234
    static let pubComp: [UInt8] = [0x70, 0x02, 0x12, 0x34]  // PUBCOMP, packet id 0x1234
    static let subscribe: [UInt8] = [
        0x82, 0x0C,  // SUBSCRIBE (flags 0b0010), remaining length 12
        0x00, 0x01,  // packet identifier 1
        0x00, 0x03, 0x61, 0x2F, 0x2B,  // topic filter "a/+"
        0x01,  // requested QoS 1
        0x00, 0x01, 0x23,  // topic filter "#"
        0x02,  // requested QoS 2
    ]
    static let subAck: [UInt8] = [
        0x90, 0x04,  // SUBACK, remaining length 4
        0x00, 0x01,  // packet identifier 1
        0x01,  // Success - Maximum QoS 1
        0x80,  // Failure
    ]
    static let unsubscribe: [UInt8] = [
        0xA2, 0x07,  // UNSUBSCRIBE (flags 0b0010), remaining length 7
        0x00, 0x02,  // packet identifier 2
        0x00, 0x03, 0x61, 0x2F, 0x2B,  // topic filter "a/+"
    ]
    static let unsubAck: [UInt8] = [0xB0, 0x02, 0x00, 0x02]  // UNSUBACK, packet id 2
    static let pingRequest: [UInt8] = [0xC0, 0x00]  // PINGREQ
    static let pingResponse: [UInt8] = [0xD0, 0x00]  // PINGRESP
    static let disconnect: [UInt8] = [0xE0, 0x00]  // DISCONNECT

    static let all: [MQTTVector] = [
        .init("CONNECT", .v3_1_1, connect), .init("CONNECT minimal", .v3_1_1, connectMinimal),
        .init("CONNACK", .v3_1_1, connAck), .init("CONNACK refused", .v3_1_1, connAckRefused),
        .init("PUBLISH QoS 0", .v3_1_1, publishQoS0), .init("PUBLISH QoS 1", .v3_1_1, publishQoS1),
        .init("PUBLISH QoS 2", .v3_1_1, publishQoS2), .init("PUBACK", .v3_1_1, pubAck),
        .init("PUBREC", .v3_1_1, pubRec), .init("PUBREL", .v3_1_1, pubRel), .init("PUBCOMP", .v3_1_1, pubComp),
        .init("SUBSCRIBE", .v3_1_1, subscribe), .init("SUBACK", .v3_1_1, subAck),
        .init("UNSUBSCRIBE", .v3_1_1, unsubscribe), .init("UNSUBACK", .v3_1_1, unsubAck),
        .init("PINGREQ", .v3_1_1, pingRequest), .init("PINGRESP", .v3_1_1, pingResponse),
        .init("DISCONNECT", .v3_1_1, disconnect),
    ]
}

enum V31 {
    static let connect: [UInt8] = [
        0x10, 0x17,  // CONNECT, remaining length 23
        0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70,  // protocol name "MQIsdp"
        0x03,  // protocol level 3
        0xC2,  // flags: user name, password, clean session
        0x00, 0x0A,  // keep alive 10
        0x00, 0x03, 0x63, 0x69, 0x64,  // client identifier "cid"
        0x00, 0x01, 0x75,  // user name "u"
        0x00, 0x01, 0x70,  // password "p"
    ]
    static let connAck: [UInt8] = [
        0x20, 0x02,  // CONNACK
        0x00,  // reserved (3.1 has no session present)
        0x00,  // return code 0: Connection Accepted
    ]
    static let connAckRefused: [UInt8] = [
        0x20, 0x02,  // CONNACK
        0x00,  // reserved
        0x02,  // return code 2: identifier rejected
    ]
    static let publishQoS0: [UInt8] = [
        0x30, 0x08,  // PUBLISH, QoS 0, remaining length 8
        0x00, 0x03, 0x78, 0x2F, 0x79,  // topic "x/y"
        0x61, 0x62, 0x63,  // payload "abc"
    ]
    static let publishQoS1: [UInt8] = [
        0x32, 0x07,  // PUBLISH, QoS 1, remaining length 7
        0x00, 0x02, 0x71, 0x31,  // topic "q1"
        0x00, 0x01,  // packet identifier 1
        0xFF,  // payload: one binary byte
    ]
    static let publishQoS2: [UInt8] = [
        0x35, 0x06,  // PUBLISH, QoS 2, RETAIN, remaining length 6
        0x00, 0x02, 0x71, 0x32,  // topic "q2"
        0x00, 0x02,  // packet identifier 2
    ]
    static let pubAck: [UInt8] = [0x40, 0x02, 0x00, 0x01]  // PUBACK, packet id 1
    static let pubRec: [UInt8] = [0x50, 0x02, 0x00, 0x02]  // PUBREC, packet id 2
    static let pubRel: [UInt8] = [0x62, 0x02, 0x00, 0x02]  // PUBREL (QoS 1 in 3.1's terms), packet id 2
    static let pubComp: [UInt8] = [0x70, 0x02, 0x00, 0x02]  // PUBCOMP, packet id 2
    static let subscribe: [UInt8] = [
        0x82, 0x08,  // SUBSCRIBE, remaining length 8
        0x00, 0x05,  // packet identifier 5
        0x00, 0x03, 0x61, 0x2F, 0x23,  // topic filter "a/#"
        0x00,  // requested QoS 0
    ]
    static let subAck: [UInt8] = [
        0x90, 0x03,  // SUBACK, remaining length 3
        0x00, 0x05,  // packet identifier 5
        0x00,  // granted QoS 0
    ]
    static let unsubscribe: [UInt8] = [
        0xA2, 0x07,  // UNSUBSCRIBE, remaining length 7
        0x00, 0x06,  // packet identifier 6
        0x00, 0x03, 0x61, 0x2F, 0x23,  // topic filter "a/#"
    ]
    static let unsubAck: [UInt8] = [0xB0, 0x02, 0x00, 0x06]  // UNSUBACK, packet id 6
    static let pingRequest: [UInt8] = [0xC0, 0x00]  // PINGREQ
    static let pingResponse: [UInt8] = [0xD0, 0x00]  // PINGRESP
    static let disconnect: [UInt8] = [0xE0, 0x00]  // DISCONNECT

    static let all: [MQTTVector] = [
        .init("CONNECT", .v3_1, connect), .init("CONNACK", .v3_1, connAck),
        .init("CONNACK refused", .v3_1, connAckRefused), .init("PUBLISH QoS 0", .v3_1, publishQoS0),
        .init("PUBLISH QoS 1", .v3_1, publishQoS1), .init("PUBLISH QoS 2", .v3_1, publishQoS2),
        .init("PUBACK", .v3_1, pubAck), .init("PUBREC", .v3_1, pubRec), .init("PUBREL", .v3_1, pubRel),
        .init("PUBCOMP", .v3_1, pubComp), .init("SUBSCRIBE", .v3_1, subscribe), .init("SUBACK", .v3_1, subAck),
        .init("UNSUBSCRIBE", .v3_1, unsubscribe), .init("UNSUBACK", .v3_1, unsubAck),
        .init("PINGREQ", .v3_1, pingRequest), .init("PINGRESP", .v3_1, pingResponse),
        .init("DISCONNECT", .v3_1, disconnect),
    ]
}

enum V5 {
    static let connect: [UInt8] = [
        0x10, 0x36,  // CONNECT, remaining length 54
        0x00, 0x04, 0x4D, 0x51, 0x54, 0x54,  // "MQTT"
        0x05,  // level 5
        0xD6,  // flags: user name, password, will QoS 2, will, clean start
        0x00, 0x3C,  // keep alive 60
        0x0F,  // property length 15
        0x11, 0x00, 0x00, 0x00, 0x78,  // Session Expiry Interval 120
        0x21, 0x00, 0x14,  // Receive Maximum 20
        0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76,  // User Property "k" = "v"
        0x00, 0x01, 0x63,  // client identifier "c"
        0x0B,  // will property length 11
        0x18, 0x00, 0x00, 0x00, 0x05,  // Will Delay Interval 5
        0x01, 0x01,  // Payload Format Indicator 1
        0x03, 0x00, 0x01, 0x74,  // Content Type "t"
        0x00, 0x01, 0x77,  // will topic "w"
        0x00, 0x01, 0x78,  // will payload "x"
        0x00, 0x01, 0x75,  // user name "u"
        0x00, 0x02, 0x01, 0x02,  // password 01 02
    ]
    static let connAck: [UInt8] = [
        0x20, 0x0F,  // CONNACK, remaining length 15
        0x00,  // acknowledge flags: no session
        0x00,  // reason code Success
        0x0C,  // property length 12
        0x22, 0x00, 0x0A,  // Topic Alias Maximum 10
        0x12, 0x00, 0x02, 0x69, 0x64,  // Assigned Client Identifier "id"
        0x24, 0x01,  // Maximum QoS 1
        0x25, 0x00,  // Retain Available 0
    ]
    static let connAckRefused: [UInt8] = [
        0x20, 0x03,  // CONNACK, remaining length 3
        0x00,  // no session
        0x87,  // Not authorized
        0x00,  // property length 0
    ]
    static let publish: [UInt8] = [
        0x32, 0x32,  // PUBLISH, QoS 1, remaining length 50
        0x00, 0x03, 0x74, 0x2F, 0x31,  // topic "t/1"
        0x00, 0x07,  // packet identifier 7
        0x25,  // property length 37
        0x01, 0x01,  // Payload Format Indicator 1 (UTF-8)
        0x02, 0x00, 0x00, 0x00, 0x3C,  // Message Expiry Interval 60
        0x23, 0x00, 0x05,  // Topic Alias 5
        0x08, 0x00, 0x01, 0x72,  // Response Topic "r"
        0x09, 0x00, 0x02, 0xCA, 0xFE,  // Correlation Data CA FE
        0x0B, 0x81, 0x01,  // Subscription Identifier 129 (two-byte variable byte integer)
        0x0B, 0x02,  // Subscription Identifier 2 (may repeat in PUBLISH)
        0x03, 0x00, 0x03, 0x74, 0x2F, 0x70,  // Content Type "t/p"
        0x26, 0x00, 0x01, 0x6B, 0x00, 0x01, 0x76,  // User Property "k" = "v"
        0x68, 0x65, 0x6C, 0x6C, 0x6F,  // payload "hello"
    ]
    static let publishAlias: [UInt8] = [
        0x30, 0x07,  // PUBLISH, QoS 0, remaining length 7
        0x00, 0x00,  // topic "" (the alias stands for it)
        0x03,  // property length 3
        0x23, 0x00, 0x05,  // Topic Alias 5
        0x78,  // payload "x"
    ]
    static let pubAck: [UInt8] = [
        0x40, 0x02,  // PUBACK, remaining length 2
        0x00, 0x01,  // packet identifier 1; reason code and properties omitted (Success)
    ]
    static let pubAckReason: [UInt8] = [
        0x40, 0x03,  // PUBACK, remaining length 3
        0x00, 0x01,  // packet identifier 1
        0x10,  // No matching subscribers; properties omitted
    ]
    static let pubRec: [UInt8] = [
        0x50, 0x0A,  // PUBREC, remaining length 10
        0x00, 0x02,  // packet identifier 2
        0x80,  // Unspecified error
        0x06,  // property length 6
        0x1F, 0x00, 0x03, 0x62, 0x61, 0x64,  // Reason String "bad"
    ]
    static let pubRel: [UInt8] = [
        0x62, 0x03,  // PUBREL, remaining length 3
        0x00, 0x02,  // packet identifier 2
        0x92,  // Packet Identifier not found
    ]
    static let pubComp: [UInt8] = [
        0x70, 0x04,  // PUBCOMP, remaining length 4
        0x00, 0x02,  // packet identifier 2
        0x00,  // Success
        0x00,  // property length 0 (the encoder would omit it)
    ]
    static let subscribe: [UInt8] = [
        0x82, 0x16,  // SUBSCRIBE, remaining length 22
        0x00, 0x03,  // packet identifier 3
        0x09,  // property length 9
        0x0B, 0x05,  // Subscription Identifier 5
        0x26, 0x00, 0x01, 0x61, 0x00, 0x01, 0x62,  // User Property "a" = "b"
        0x00, 0x03, 0x61, 0x2F, 0x23,  // topic filter "a/#"
        0x2D,  // options: Retain Handling 2, Retain As Published, No Local, QoS 1
        0x00, 0x01, 0x62,  // topic filter "b"
        0x00,  // options: all zero (QoS 0)
    ]
    static let subAck: [UInt8] = [
        0x90, 0x0A,  // SUBACK, remaining length 10
        0x00, 0x03,  // packet identifier 3
        0x05,  // property length 5
        0x1F, 0x00, 0x02, 0x6F, 0x6B,  // Reason String "ok"
        0x02,  // Granted QoS 2
        0x87,  // Not authorized
    ]
    static let unsubscribe: [UInt8] = [
        0xA2, 0x08,  // UNSUBSCRIBE, remaining length 8
        0x00, 0x04,  // packet identifier 4
        0x00,  // property length 0
        0x00, 0x03, 0x61, 0x2F, 0x23,  // topic filter "a/#"
    ]
    static let unsubAck: [UInt8] = [
        0xB0, 0x05,  // UNSUBACK, remaining length 5
        0x00, 0x04,  // packet identifier 4
        0x00,  // property length 0
        0x00,  // Success
        0x11,  // No subscription existed
    ]
    static let pingRequest: [UInt8] = [0xC0, 0x00]  // PINGREQ
    static let pingResponse: [UInt8] = [0xD0, 0x00]  // PINGRESP
    static let disconnect: [UInt8] = [0xE0, 0x00]  // DISCONNECT, everything omitted (Normal disconnection)
    static let disconnectWithWill: [UInt8] = [
        0xE0, 0x01,  // DISCONNECT, remaining length 1
        0x04,  // Disconnect with Will Message; properties omitted
    ]
    static let disconnectProperties: [UInt8] = [
        0xE0, 0x0B,  // DISCONNECT, remaining length 11
        0x8B,  // Server shutting down
        0x09,  // property length 9
        0x11, 0x00, 0x00, 0x00, 0x00,  // Session Expiry Interval 0
        0x1C, 0x00, 0x01, 0x73,  // Server Reference "s"
    ]
    static let authEmpty: [UInt8] = [0xF0, 0x00]  // AUTH, everything omitted (Success)
    static let auth: [UInt8] = [
        0xF0, 0x0C,  // AUTH, remaining length 12
        0x18,  // Continue authentication
        0x0A,  // property length 10
        0x15, 0x00, 0x02, 0x50, 0x4C,  // Authentication Method "PL"
        0x16, 0x00, 0x02, 0x01, 0x02,  // Authentication Data 01 02
    ]

    static let all: [MQTTVector] = [
        .init("CONNECT", .v5, connect), .init("CONNACK", .v5, connAck),
        .init("CONNACK refused", .v5, connAckRefused), .init("PUBLISH", .v5, publish),
        .init("PUBLISH alias", .v5, publishAlias), .init("PUBACK", .v5, pubAck),
        .init("PUBACK reason", .v5, pubAckReason), .init("PUBREC", .v5, pubRec), .init("PUBREL", .v5, pubRel),
        .init("PUBCOMP", .v5, pubComp, canonical: false), .init("SUBSCRIBE", .v5, subscribe),
        .init("SUBACK", .v5, subAck), .init("UNSUBSCRIBE", .v5, unsubscribe), .init("UNSUBACK", .v5, unsubAck),
        .init("PINGREQ", .v5, pingRequest), .init("PINGRESP", .v5, pingResponse),
        .init("DISCONNECT", .v5, disconnect), .init("DISCONNECT with will", .v5, disconnectWithWill),
        .init("DISCONNECT properties", .v5, disconnectProperties), .init("AUTH empty", .v5, authEmpty),
        .init("AUTH", .v5, auth),
    ]
}

/// Every vector of every version.
let allVectors: [MQTTVector] = V31.all + V311.all + V5.all
