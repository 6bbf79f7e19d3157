// swift-tools-version:6.1
import PackageDescription

/// Layers, lowest first (see ../shared/DESIGN.md): the C bridges, HostKit (procfs/sysfs under a
/// root), Netlink (libnl: ethtool and netdev generic netlink), Tuning (diagnosis rules, later the
/// planner and applier), CMTuneCLI, and the one-line executable.
let package = Package(
    name: "cmtune",
    products: [
        .executable(name: "cmtune", targets: ["cmtune"]),
        .library(name: "HostKit", targets: ["HostKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
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
        .testTarget(name: "NetlinkTests", dependencies: ["Netlink", "HostKit", "CMTuneTestSupport"]),
        .testTarget(
            name: "CMTuneCLITests",
            dependencies: ["cmtune", "CMTuneCLI", "HostKit", "CMTuneTestSupport"]
        ),
        // Helpers the integration tests share: running tools, veth namespaces, ethtool's output.
        .target(name: "CMTuneTestSupport", dependencies: ["HostKit"], path: "Tests/Support"),
    ]
)
