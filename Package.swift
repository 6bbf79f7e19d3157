// swift-tools-version:6.1
import PackageDescription

/// Layers, lowest first (see ../shared/DESIGN.md): the C bridges; HostKit (procfs/sysfs under a
/// root); Netlink (libnl: ethtool and netdev generic netlink); Tuning (diagnosis, spread, restore);
/// Wire (pure protocol codecs); Capture (libpcap sources and writers, link layers, IP, TCP
/// reassembly: packets to byte streams); Decode (protocol detection, per-connection protocol
/// sessions, flow trackers, statistics, the sharded decode, writers: byte streams to events to
/// lines); CM, Load, Verify; CMTuneCLI (parse, call, render); the executable (process-wide settings).
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
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
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
        // glibc's <malloc.h> (mallopt); part of libc, nothing to link or install.
        .systemLibrary(name: "CMalloc"),
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
        // Packets to byte streams: libpcap sources and writers, link layers, IPv4/IPv6/VLAN,
        // fragments, TCP reassembly. Knows no protocol above TCP.
        .target(
            name: "Capture",
            dependencies: ["CPcap", "HostKit"]
        ),
        // Byte streams to events to lines: protocol detection, the per-connection protocol
        // sessions over Wire's codecs, flow trackers, statistics, the sharded decode, the writers.
        .target(
            name: "Decode",
            dependencies: [
                "Capture", "Wire", "HostKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The reference connection manager (`cmtune cm serve`) and its CMP client: SwiftNIO, one
        // event loop per core, TCP / WebSocket / TLS, sessions, routing, limits, metrics.
        .target(
            name: "CM",
            dependencies: [
                "Wire", "HostKit",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // `cmtune cm load`: the CMP load generator (ramp, open-loop rate, end-to-end latency).
        .target(
            name: "Load",
            dependencies: [
                "CM", "Wire", "HostKit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // `cmtune verify`: samples and a load result to a verdict with typed reasons, the report,
        // the veth testbed's users, and the scrape of the CM's metrics (a small NIOHTTP1 client).
        .target(
            name: "Verify",
            dependencies: [
                "HostKit", "Load",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
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
                "Decode",
                "Wire",
                "CM",
                "Load",
                "Verify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The entry point: process-wide settings (glibc's allocator, through CMalloc), then the command.
        .executableTarget(name: "cmtune", dependencies: ["CMTuneCLI", "CMalloc"]),
        .testTarget(
            name: "HostKitTests",
            dependencies: ["HostKit", "CMTuneTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "TuningTests",
            dependencies: ["Tuning", "HostKit", "CMTuneTestSupport", .product(name: "SystemPackage", package: "swift-system")]
        ),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                // The CM's frame decoder, to check WebSocketFrameReader against it.
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CaptureTests",
            dependencies: ["Capture", "CaptureTestSupport", "CMTuneTestSupport"]
        ),
        .testTarget(
            name: "DecodeTests",
            dependencies: [
                "Decode", "Capture", "Wire", "HostKit", "CaptureTestSupport", "CMTuneTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "HostKit", "CMTuneTestSupport"]),
        .testTarget(
            name: "CMTuneCLITests",
            dependencies: [
                "cmtune", "CMTuneCLI", "HostKit", "CMTuneTestSupport", "CM", "Wire", "Load",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "LoadTests",
            dependencies: ["Load", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "VerifyTests",
            dependencies: [
                "Verify", "HostKit", "Load", "CMTuneTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CMTests",
            dependencies: [
                "CM", "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers the integration tests share: running tools, veth namespaces, ethtool's output.
        .target(name: "CMTuneTestSupport", dependencies: ["HostKit"], path: "Tests/Support"),
        // Hand-built frames and the recorded captures (Fixtures/) that the Capture and Decode tests share.
        .target(
            name: "CaptureTestSupport",
            dependencies: ["Capture"],
            path: "Tests/CaptureTestSupport",
            exclude: ["Fixtures"]
        ),
    ]
)
