// swift-tools-version: 6.1
import PackageDescription

/// Strict settings applied to every Swift target (see STYLE.md: one loop, like swift-log).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "flushbench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flushbench", targets: ["flushbench"]),
        .library(name: "ObjectStore", targets: ["ObjectStore"]),
        .library(name: "WriteCache", targets: ["WriteCache"]),
        .library(name: "SSTFormat", targets: ["SSTFormat"]),
        .library(name: "FaultInjection", targets: ["FaultInjection"]),
        .library(name: "Servers", targets: ["Servers"]),
        .library(name: "Harness", targets: ["Harness"]),
        .library(name: "Simulation", targets: ["Simulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C libraries of the system, reached through tiny typed shims.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),

        // Blocking I/O off the cooperative pool, POSIX file helpers, time sources.
        .target(
            name: "Platform",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The remote store interface and its implementations (memory, file system, S3).
        .target(
            name: "ObjectStore",
            dependencies: [
                "Platform",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Managed S3 servers (SeaweedFS, moto) for tests, scenarios and benchmarks.
        .target(name: "Servers", dependencies: ["Platform", "ObjectStore"]),
        // Parquet and Puffin writers/readers; the SST producer protocol.
        .target(name: "SSTFormat", dependencies: ["Platform", "CZstd"]),
        // The local file cache and the write-through cache.
        .target(
            name: "WriteCache",
            dependencies: [
                "Platform", "ObjectStore", "SSTFormat",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fault plans and the fault-injecting store.
        .target(
            name: "FaultInjection",
            dependencies: [
                "Platform", "ObjectStore", "Servers",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Seeded random histories of cache operations against a model: checker, replay, shrinking.
        .target(
            name: "Simulation",
            dependencies: [
                "Platform", "ObjectStore", "SSTFormat", "WriteCache", "FaultInjection",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Scenarios, runner, checks, reports and benchmarks.
        .target(
            name: "Harness",
            dependencies: [
                "Platform", "ObjectStore", "Servers", "SSTFormat", "WriteCache", "FaultInjection", "CJemalloc",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                // Live metrics of a run (`run --metrics-port`): Prometheus text over NIOHTTP1.
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "flushbench",
            dependencies: [
                "Harness", "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "PlatformTests", dependencies: ["Platform"]),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore", "Servers", "Platform", "WriteCache", "SSTFormat", "CCurl"]),
        .testTarget(name: "ServersTests", dependencies: ["Servers", "ObjectStore", "Platform"]),
        .testTarget(
            name: "SSTFormatTests",
            dependencies: ["SSTFormat", "Platform"],
            resources: [.copy("Resources/pyarrow_check.py")]
        ),
        .testTarget(name: "WriteCacheTests", dependencies: ["WriteCache", "ObjectStore", "SSTFormat", "Platform"]),
        .testTarget(name: "FaultInjectionTests", dependencies: ["FaultInjection", "ObjectStore", "WriteCache", "SSTFormat", "Platform", "Servers"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "WriteCache", "FaultInjection", "ObjectStore", "Platform"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness", "FaultInjection", "WriteCache", "ObjectStore", "Servers", "SSTFormat", "Platform"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
