// swift-tools-version:6.2
import PackageDescription

/// Flywheel: a continual-learning online service. The target list is the architecture (see docs/architecture.md):
/// C modules at the bottom, one small Swift target over each, the services and the CLI on top.
let package = Package(
    name: "Flywheel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flywheel", targets: ["FlywheelCLI"]),
        .executable(name: "flywheel-bench", targets: ["FlywheelBenchmarks"]),
        .library(name: "KafkaTransport", targets: ["KafkaTransport"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "OnlineLearning", targets: ["OnlineLearning"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // MARK: C libraries (system packages from Debian)
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // MARK: C loops the Swift compiler does not vectorize (no library: plain C, built with the package)
        .target(name: "CKernels"),

        // MARK: Raw request features: the one vocabulary the learning core and the event contracts share
        .target(
            name: "FeatureValues",
            swiftSettings: strictSettings
        ),

        // MARK: Thin Swift layers, each the only importer of its C module
        .target(
            name: "LinearAlgebra",
            dependencies: ["COpenBLAS", "CKernels"],
            swiftSettings: strictSettings
        ),
        // MARK: The learning core: pure Swift over OpenBLAS (through LinearAlgebra), no Kafka, SQLite or HTTP
        .target(
            name: "OnlineLearning",
            dependencies: ["FeatureValues", "LinearAlgebra"],
            swiftSettings: strictSettings
        ),
        // MARK: Datasets: labelled streams read from CSV and JSON Lines for evaluation, benchmarks and the demo
        .target(
            name: "Datasets",
            dependencies: ["FeatureValues", "OnlineLearning"],
            swiftSettings: strictSettings
        ),
        // MARK: Event contracts (streams/schemas), Codable, and what their fields mean; no learning, Kafka or SQLite
        .target(
            name: "FlywheelEvents",
            dependencies: ["FeatureValues"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "KafkaTransport",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The registry: the only importer of SQLite (through GRDB); a leaf that stores plain records
        .target(
            name: "ModelRegistry",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The services
        .target(
            name: "Flywheel",
            dependencies: [
                "FeatureValues",
                "FlywheelEvents",
                "KafkaTransport",
                "ModelRegistry",
                "OnlineLearning",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The demo: replaying a bundled stream into the loop, watching it, and reporting on it
        .target(
            name: "FlywheelDemo",
            dependencies: [
                "Datasets",
                "Flywheel",
                "FlywheelEvents",
                "KafkaTransport",
                "ModelRegistry",
                "OnlineLearning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Operating it: metrics, health, the models and the admin API over HTTP (Hummingbird)
        .target(
            name: "FlywheelHTTP",
            dependencies: [
                "Flywheel",
                "FlywheelDemo",
                "FlywheelEvents",
                "ModelRegistry",
                "OnlineLearning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Executables (the `flywheel` command is the FlywheelCLI target, named apart from the Flywheel module)
        .executableTarget(
            name: "FlywheelCLI",
            dependencies: [
                "Datasets",
                "FeatureValues",
                "Flywheel",
                "FlywheelDemo",
                "FlywheelEvents",
                "FlywheelHTTP",
                "KafkaTransport",
                "ModelRegistry",
                "LinearAlgebra",
                "OnlineLearning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "FlywheelBenchmarks",
            dependencies: [
                "Datasets",
                "Flywheel",
                "FlywheelEvents",
                "FeatureValues",
                "KafkaTransport",
                "LinearAlgebra",
                "OnlineLearning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "LinearAlgebraTests",
            dependencies: ["LinearAlgebra"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnlineLearningTests",
            dependencies: ["Datasets", "FeatureValues", "OnlineLearning"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlywheelTests",
            dependencies: [
                "Datasets", "FeatureValues", "Flywheel", "FlywheelDemo", "FlywheelEvents", "KafkaTransport", "ModelRegistry", "OnlineLearning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ModelRegistryTests",
            dependencies: ["ModelRegistry"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlywheelEventsTests",
            dependencies: ["FeatureValues", "FlywheelEvents", "OnlineLearning"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaTransportTests",
            dependencies: [
                "KafkaTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlywheelHTTPTests",
            dependencies: [
                "Flywheel", "FlywheelEvents", "FlywheelHTTP", "KafkaTransport", "ModelRegistry", "OnlineLearning",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FlywheelCLITests",
            dependencies: ["FlywheelCLI", "KafkaTransport"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// Settings shared by every Swift target: calling an actor synchronously from a C callback is an error, not a
/// warning (see ../shared/PLATFORM-NOTES.md).
var strictSettings: [SwiftSetting] {
    [.treatWarning("ActorIsolatedCall", as: .error)]
}
