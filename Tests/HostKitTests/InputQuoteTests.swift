import HostKit
import Testing

@Suite("Quoting file content in messages", .timeLimit(.minutes(1)))
struct InputQuoteTests {
    @Test("ordinary text is quoted as it is, UTF-8 letters included")
    func plain() {
        #expect(InputQuote.quoted("eth0-TxRx-0") == "'eth0-TxRx-0'")
        #expect(InputQuote.quoted("carte réseau") == "'carte réseau'")
    }

    @Test("control bytes, DEL, C1 controls, bidi overrides and invalid UTF-8 become escapes")
    func escapes() {
        #expect(InputQuote.quoted([0x1B, 0x5B, 0x6D, 0x00, 0x7F, 0x09, 0x0A]) == #"'\x1b[m\x00\x7f\t\n'"#)
        #expect(InputQuote.quoted([0x41, 0xFF, 0xC3, 0x41, 0xE2, 0x82]) == #"'A\xff\xc3A\xe2\x82'"#)
        #expect(InputQuote.quoted("a\u{9B}b\u{202E}c") == #"'a\u{9b}b\u{202e}c'"#)
        #expect(InputQuote.quoted(#"C:\path"#) == #"'C:\\path'"#)
    }

    @Test("a long quote is cut after 40 characters with an ellipsis; escaped() leaves paths whole")
    func bounded() {
        let long = String(repeating: "x", count: 100)
        #expect(InputQuote.quoted(long) == "'" + String(repeating: "x", count: 40) + "…'")
        #expect(InputQuote.quoted(String(repeating: "x", count: 40)) == "'" + String(repeating: "x", count: 40) + "'")
        #expect(InputQuote.escaped("/snap/sys/class/net/\u{1B}[2J" + long) == #"/snap/sys/class/net/\x1b[2J"# + long)
    }

    @Test("issue descriptions escape their path too")
    func issuePath() {
        let issue = HostIssue(path: "/r/sys/class/net/e\u{1B}]0;x\u{07}/mtu", message: "expected a number")
        #expect(issue.description == #"/r/sys/class/net/e\x1b]0;x\x07/mtu: expected a number"#)
    }
}
