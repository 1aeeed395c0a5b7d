// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Cutover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cutover", targets: ["cutover"]),
        .library(name: "CutoverCore", targets: ["CutoverCore"]),
        .library(name: "CutoverPostgres", targets: ["CutoverPostgres"]),
        .library(name: "CutoverProjector", targets: ["CutoverProjector"]),
        .library(name: "CutoverServer", targets: ["CutoverServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: ["YAML"]),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Pure logic: models, config model, migration parsing/planning, linter, flags. No I/O.
        .target(
            name: "CutoverCore",
            swiftSettings: strict
        ),
        // libpq (Debian: libpq-dev), used only for the logical replication stream of change capture.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // PostgreSQL adapter: client, migrator runner, legacy reader, seeder, dev cluster.
        .target(
            name: "CutoverPostgres",
            dependencies: [
                "CutoverCore",
                "CLibPQ",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Its ConnectionPoolError (a PostgresClient that cannot connect) maps to "unreachable".
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            resources: [.copy("SQL")],
            swiftSettings: strict
        ),
        // The projector: change log -> read models, as a swift-service-lifecycle Service.
        .target(
            name: "CutoverProjector",
            dependencies: [
                "CutoverCore",
                "CutoverPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // HTTP: the read API (/v1) and the operational endpoints (/metrics, /health/*).
        .target(
            name: "CutoverServer",
            dependencies: [
                "CutoverCore",
                "CutoverPostgres",
                "CutoverProjector",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // `cutover openapi`: composes the engine's OpenAPI base with the declared views.
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("OpenAPI/openapi-base.yaml")],
            swiftSettings: strict
        ),
        // `cutover bench`: scenarios measured against their anchors in one run.
        .target(
            name: "CutoverBench",
            dependencies: [
                "CutoverCore",
                "CutoverPostgres",
                "CutoverProjector",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Its keep-alive HTTP/1.1 client drives the read API benchmark.
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            resources: [.copy("pgbench")],
            swiftSettings: strict
        ),
        // Thin CLI.
        .executableTarget(
            name: "cutover",
            dependencies: [
                "CutoverCore",
                "CutoverPostgres",
                "CutoverProjector",
                "CutoverBench",
                "CutoverServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CutoverCoreTests",
            dependencies: ["CutoverCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CutoverIntegrationTests",
            dependencies: [
                "CutoverCore",
                "CutoverPostgres",
                "CutoverProjector",
                "CutoverServer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Reads the generated OpenAPI document back (OpenAPIDocumentTests).
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
    ]
)
