// swift-tools-version:6.1
import PackageDescription

/// Layers, lowest first (see ../shared/DESIGN.md): the C bridges; HostKit (procfs/sysfs under a
/// root); Netlink (libnl: ethtool and netdev generic netlink); Tuning (diagnosis, spread, restore);
/// Wire (protocol codecs); Capture (libpcap, reassembly, decoding); CMTuneCLI; the executable.
let package = Package(
    name: "cmtune",
    products: [
        .executable(name: "cmtune", targets: ["cmtune"]),
        .library(name: "HostKit", targets: ["HostKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .systemLibrary(
            name: "CNetlink",
            pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev", "libnl-route-3-dev"])]
        ),
        .systemLibrary(
            name: "CExpat",
            pkgConfig: "expat",
            providers: [.apt(["libexpat1-dev"])]
        ),
        .target(
            name: "HostKit",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "Netlink",
            dependencies: ["HostKit", "CNetlink"]
        ),
        // Pure, incremental protocol codecs (MQTT, later XMPP framing, WebSocket, CMP), shared by
        // the decoder and the reference CM.
        .target(
            name: "Wire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // libpcap sources, link layers, IP, TCP reassembly, protocol detection, the decode pipeline.
        .target(
            name: "Capture",
            dependencies: [
                "Wire", "CPcap", "HostKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "Tuning",
            dependencies: ["HostKit", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .target(
            name: "CMTuneCLI",
            dependencies: [
                "HostKit",
                "Netlink",
                "Tuning",
                "Capture",
                "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "cmtune", dependencies: ["CMTuneCLI"]),
        .testTarget(
            name: "HostKitTests",
            dependencies: ["HostKit", "CMTuneTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TuningTests",
            dependencies: ["Tuning", "HostKit", "CMTuneTestSupport", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .testTarget(name: "WireTests", dependencies: ["Wire", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(
            name: "CaptureTests",
            dependencies: ["Capture", "Wire", "CMTuneTestSupport", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "HostKit", "CMTuneTestSupport"]),
        .testTarget(
            name: "CMTuneCLITests",
            dependencies: ["cmtune", "CMTuneCLI", "HostKit", "CMTuneTestSupport"]
        ),
        // Helpers the integration tests share: running tools, veth namespaces, ethtool's output.
        .target(name: "CMTuneTestSupport", dependencies: ["HostKit"], path: "Tests/Support"),
    ]
)
