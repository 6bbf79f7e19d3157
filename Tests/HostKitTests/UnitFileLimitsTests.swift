import CMTuneTestSupport
import HostKit
import Testing

@Suite("systemd LimitNOFILE= from unit files and drop-ins")
struct UnitFileLimitsTests {
    static let etc = "etc/systemd/system"
    static let run = "run/systemd/system"
    static let usrLib = "usr/lib/systemd/system"
    static let lib = "lib/systemd/system"

    static func unit(_ service: String = "", limit: String? = nil) -> String {
        """
        [Unit]
        Description=cmtune reference connection manager
        After=network-online.target

        [Service]
        ExecStart=/usr/local/bin/cmtune cm serve --port 9000
        Restart=on-failure
        \(limit.map { "LimitNOFILE=\($0)" } ?? "")
        \(service)

        [Install]
        WantedBy=multi-user.target

        """
    }

    @Test("a vendor unit alone: one number sets soft and hard; the unit path is where it was found")
    func vendorOnly() throws {
        let tree = StackFixture.tree(["\(Self.lib)/cm.service": Self.unit(limit: "65536")])
        let limits = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(limits.unitPath == tree.root.absolute("\(Self.lib)/cm.service"))
        #expect(limits.openFilesSet)
        #expect(limits.openFilesSoft == 65536 && limits.openFilesHard == 65536)
        #expect(limits.openFilesSource == limits.unitPath)
        #expect(limits.issues.isEmpty)
        // A bare name is a service.
        #expect(UnitFileLimits.read(unit: "cm", from: tree.root)?.unit == "cm.service")
    }

    @Test("/etc overrides /usr/lib overrides /lib; the unit that sets nothing is openFilesSet false")
    func precedence() throws {
        let tree = StackFixture.tree([
            "\(Self.lib)/cm.service": Self.unit(limit: "10"), "\(Self.usrLib)/cm.service": Self.unit(limit: "20"),
            "\(Self.etc)/cm.service": Self.unit(limit: "1000:2000"),
        ])
        let limits = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(limits.unitPath == tree.root.absolute("\(Self.etc)/cm.service"))
        #expect(limits.openFilesSoft == 1000 && limits.openFilesHard == 2000)

        let vendor = StackFixture.tree(["\(Self.lib)/cm.service": Self.unit(limit: "10"), "\(Self.usrLib)/cm.service": Self.unit()])
        let unset = try #require(UnitFileLimits.read(unit: "cm.service", from: vendor.root))
        #expect(unset.unitPath == vendor.root.absolute("\(Self.usrLib)/cm.service"))
        #expect(!unset.openFilesSet)
        #expect(unset.openFilesSoft == nil && unset.openFilesHard == nil && unset.openFilesSource == nil)
    }

    @Test("drop-ins from every directory apply in name order after the unit; a name in /etc hides the same name in /usr/lib")
    func dropIns() throws {
        let tree = StackFixture.tree([
            "\(Self.usrLib)/cm.service": Self.unit(limit: "1024"),
            "\(Self.usrLib)/cm.service.d/10-vendor.conf": "[Service]\nLimitNOFILE=4096\n",
            "\(Self.usrLib)/cm.service.d/override.conf": "[Service]\nLimitNOFILE=8\n",
            "\(Self.etc)/cm.service.d/override.conf": "[Service]\nLimitNOFILE=1048576\n",
            "\(Self.run)/cm.service.d/20-runtime.conf": "[Service]\nLimitNOFILE=2048\n",
            "\(Self.etc)/cm.service.d/README": "[Service]\nLimitNOFILE=1\n",
        ])
        let limits = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(limits.openFilesSoft == 1_048_576 && limits.openFilesHard == 1_048_576)
        #expect(limits.openFilesSource == tree.root.absolute("\(Self.etc)/cm.service.d/override.conf"))
        #expect(
            limits.dropInPaths == [
                tree.root.absolute("\(Self.usrLib)/cm.service.d/10-vendor.conf"), tree.root.absolute("\(Self.run)/cm.service.d/20-runtime.conf"),
                tree.root.absolute("\(Self.etc)/cm.service.d/override.conf"),
            ])
        #expect(limits.issues.isEmpty)
    }

    @Test("an empty LimitNOFILE= resets to unset; a later infinity sets it again")
    func emptyResets() throws {
        let tree = StackFixture.tree([
            "\(Self.lib)/cm.service": Self.unit(limit: "65536"), "\(Self.etc)/cm.service.d/50-reset.conf": "[Service]\nLimitNOFILE=\n",
        ])
        let reset = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(!reset.openFilesSet)
        #expect(reset.openFilesSoft == nil && reset.openFilesSource == nil)

        tree.write("\(Self.etc)/cm.service.d/60-infinity.conf", "[Service]\nLimitNOFILE=infinity\n")
        let infinite = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(infinite.openFilesSet)
        #expect(infinite.openFilesSoft == nil && infinite.openFilesHard == nil)
        #expect(infinite.openFilesSource == tree.root.absolute("\(Self.etc)/cm.service.d/60-infinity.conf"))
    }

    @Test("values: soft:hard with infinity, RLIM_INFINITY as a number; rejected values keep the previous one, with file and line")
    func values() throws {
        func limits(_ value: String) throws -> UnitFileLimits {
            let tree = StackFixture.tree(["\(Self.lib)/cm.service": "[Service]\nLimitNOFILE=100\nLimitNOFILE=\(value)\n"])
            return try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        }
        let mixed = try limits("4096:infinity")
        #expect(mixed.openFilesSoft == 4096 && mixed.openFilesHard == nil && mixed.issues.isEmpty)
        let spaced = try limits("  8192 ")
        #expect(spaced.openFilesSoft == 8192 && spaced.openFilesHard == 8192)
        let maximum = try limits("18446744073709551615")
        #expect(maximum.openFilesSet && maximum.openFilesSoft == nil)

        for rejected in ["lots", "2000:1000", "infinity:10", "18446744073709551616", "1:", ":2", "-1", "1k", "\u{1}\u{0}"] {
            let result = try limits(rejected)
            #expect(result.openFilesSoft == 100 && result.openFilesHard == 100, "\(rejected)")
            #expect(result.issues.count == 1, "\(rejected)")
            #expect(result.issues.first?.line == 3)
            #expect(result.issues.first?.path.hasSuffix("\(Self.lib)/cm.service") == true)
            #expect(result.issues.first?.message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } == true)
        }
        #expect(try limits("18446744073709551616").issues.first?.message.contains("64 bits") == true)
    }

    @Test("only [Service] counts; comments, continuation lines and spaces around = follow systemd")
    func syntax() throws {
        let text = """
            LimitNOFILE=1
            [Unit]
            LimitNOFILE=2
            [Service]
            # LimitNOFILE=3
            ; LimitNOFILE=4
            Environment=A=1 \\
              LimitNOFILE=5
            LimitNOFILE = 6
            [Install]
            LimitNOFILE=7
            """
        let tree = StackFixture.tree(["\(Self.lib)/cm.service": text])
        let limits = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(limits.openFilesSoft == 6 && limits.openFilesHard == 6)
        #expect(limits.issues.isEmpty)

        // A socket unit keeps its limits in [Socket]; a timer has none.
        let socket = StackFixture.tree([
            "\(Self.lib)/cm.socket": "[Socket]\nListenStream=9000\nLimitNOFILE=300\n", "\(Self.lib)/cm.timer": "[Timer]\nLimitNOFILE=300\n",
        ])
        #expect(UnitFileLimits.read(unit: "cm.socket", from: socket.root)?.openFilesSoft == 300)
        #expect(UnitFileLimits.read(unit: "cm.timer", from: socket.root)?.openFilesSet == false)
    }

    @Test("no unit file: nil, even with drop-ins; names that leave the directory: nil")
    func missing() {
        let tree = StackFixture.tree(["\(Self.etc)/cm.service.d/override.conf": "[Service]\nLimitNOFILE=10\n"])
        #expect(UnitFileLimits.read(unit: "cm.service", from: tree.root) == nil)
        #expect(UnitFileLimits.read(unit: "../../../etc/passwd", from: tree.root) == nil)
        #expect(UnitFileLimits.read(unit: "", from: tree.root) == nil)
    }

    @Test("links: /dev/null masks; an absolute link resolves inside the root, not on this host")
    func links() throws {
        let tree = StackFixture.tree(["\(Self.lib)/cm.service": Self.unit(limit: "10"), "opt/cm/cm.service": Self.unit(limit: "777")])
        tree.link("\(Self.etc)/cm.service", to: "/opt/cm/cm.service")
        let linked = try #require(UnitFileLimits.read(unit: "cm.service", from: tree.root))
        #expect(linked.unitPath == tree.root.absolute("\(Self.etc)/cm.service"))
        #expect(linked.openFilesSoft == 777)
        #expect(!linked.masked)

        tree.link("\(Self.run)/cm.service", to: "../../../opt/cm/cm.service")
        tree.link("\(Self.etc)/other.service", to: "../../../\(Self.run)/cm.service")
        #expect(UnitFileLimits.read(unit: "other.service", from: tree.root)?.openFilesSoft == 777)

        let masked = StackFixture.tree(["\(Self.lib)/cm.service": Self.unit(limit: "10")])
        masked.link("\(Self.etc)/cm.service", to: "/dev/null")
        let result = try #require(UnitFileLimits.read(unit: "cm.service", from: masked.root))
        #expect(result.masked)
        #expect(!result.openFilesSet)

        // A drop-in linked to /dev/null is masked too: it does not apply.
        let maskedDropIn = StackFixture.tree([
            "\(Self.lib)/cm.service": Self.unit(limit: "10"), "\(Self.lib)/cm.service.d/50-big.conf": "[Service]\nLimitNOFILE=999\n",
        ])
        maskedDropIn.link("\(Self.etc)/cm.service.d/50-big.conf", to: "/dev/null")
        #expect(try #require(UnitFileLimits.read(unit: "cm.service", from: maskedDropIn.root)).openFilesSoft == 10)

        let loop = FixtureTree()
        loop.link("\(Self.etc)/a.service", to: "b.service")
        loop.link("\(Self.etc)/b.service", to: "a.service")
        #expect(UnitFileLimits.read(unit: "a.service", from: loop.root) == nil)
    }

    @Test("instances use their template's file and drop-ins; type-wide and dash-prefix drop-ins apply too")
    func templatesAndPrefixes() throws {
        let tree = StackFixture.tree([
            "\(Self.lib)/cm@.service": Self.unit(limit: "100"),
            "\(Self.etc)/cm@.service.d/10-all.conf": "[Service]\nLimitNOFILE=200\n",
            "\(Self.etc)/cm@2.service.d/20-two.conf": "[Service]\nLimitNOFILE=300\n",
        ])
        #expect(UnitFileLimits.read(unit: "cm@1.service", from: tree.root)?.openFilesSoft == 200)
        let two = try #require(UnitFileLimits.read(unit: "cm@2.service", from: tree.root))
        #expect(two.openFilesSoft == 300)
        #expect(two.unitPath == tree.root.absolute("\(Self.lib)/cm@.service"))

        let prefixes = StackFixture.tree([
            "\(Self.lib)/cm-edge-eu.service": Self.unit(limit: "100"),
            "\(Self.etc)/service.d/10-all.conf": "[Service]\nLimitNOFILE=200\n",
            "\(Self.etc)/cm-.service.d/20-cm.conf": "[Service]\nLimitNOFILE=300\n",
            "\(Self.etc)/cm-edge-.service.d/30-edge.conf": "[Service]\nLimitNOFILE=400\n",
        ])
        let edge = try #require(UnitFileLimits.read(unit: "cm-edge-eu.service", from: prefixes.root))
        #expect(edge.openFilesSoft == 400)
        #expect(edge.dropInPaths.count == 3)
    }
}
