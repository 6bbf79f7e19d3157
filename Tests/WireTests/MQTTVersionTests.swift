import Testing
import Wire

@Suite("MQTT version")
struct MQTTVersionTests {
    @Test("protocol name and level agree or give no version")
    func names() {
        #expect(MQTTVersion(protocolName: "MQIsdp", level: 3) == .v3_1)
        #expect(MQTTVersion(protocolName: "MQTT", level: 4) == .v3_1_1)
        #expect(MQTTVersion(protocolName: "MQTT", level: 5) == .v5)
        #expect(MQTTVersion(protocolName: "MQTT", level: 3) == nil)
        #expect(MQTTVersion(protocolName: "MQIsdp", level: 4) == nil)
        #expect(MQTTVersion.v5.protocolName == "MQTT" && MQTTVersion.v3_1.protocolName == "MQIsdp")
    }
}
