import Capture
import Testing

@Suite("Capture timestamps")
struct CaptureTimestampTests {
    @Test("differences and printing keep nanoseconds")
    func arithmetic() {
        let earlier = CaptureTimestamp(seconds: 1_700_000_000, nanoseconds: 999_000_000)
        let later = CaptureTimestamp(seconds: 1_700_000_001, nanoseconds: 1_000_000)
        #expect(abs(later.seconds(since: earlier) - 0.002) < 1e-9)
        #expect(earlier < later)
        #expect(later.description == "1700000001.001000000")
    }
}
