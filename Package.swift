// swift-tools-version:6.2
import PackageDescription

/// Skyferry: keyless cross-cloud credentials for workloads.
///
/// Targets depend in one direction, each arrow pointing at what a target may import (never back):
///
///     SFYAML → CSFYAML                 SFCrypto → CSFCrypto             SFHTTP → SFCore, CSFCurl
///     SFCore                           pure values, validated configuration types, refresh math, protocols
///     SFAWS → SFCore, SFCrypto         SFGCP → SFCore                   SFOutputs → SFCore
///     SFAzure → SFCore                 Entra ID exchange and AADSTS errors, Azure managed identity (IMDS)
///         (neither cloud imports the other: SFAWS signs the aws4_request subject token, the composition root
///         hands it to GCP federation as SFCore's AWSSubjectTokenSigner, and SFAWS's GetWebIdentityToken to the
///         Azure exchange as SFCore's AWSWebIdentityTokenIssuer)
///     SFDiagnostics → SFCore, SFAWS, SFGCP, SFAzure                     SFWebhook → SFCore
///     SFConfiguration → SFCore, SFWebhook, SFYAML   the one YAML reader: agent and webhook parsers, file loading
///     SFDoctor → SFDiagnostics, SFCore, SFAWS   the doctor's probes (DNS, stat, bind, recorded exchange)
///     SFConsole → SFCore               stderr log handler, stdout writer
///     SFLocalEndpoints → SFCore        the loopback servers' pure request handling (no NIO, Hummingbird)
///     SFServer → SFCore                the one HTTP/1 server loop (plain or TLS) and its connection limits
///     SFFiles (no dependencies)        the one bounded small-file reader (open/read, errno kept)
///     SFAgent → SFCore, SFOutputs, SFLocalEndpoints, SFServer, SFFiles   I/O, lifecycle, health, metrics
///     SFWebhookServer → SFWebhook, SFCore, SFServer, SFFiles             the webhook over HTTPS
///     skyferry → all of the above      the executable, the only composition root: argument parsing, logging
///                                      bootstrap, wiring, the ServiceGroup; commands end with a CommandExitStatus
///     FuzzSupport (no dependencies) ← Fuzz{Configuration, JWT, AdmissionReview, STSResponse, Validators,
///         CredentialDocuments, WebhookConfiguration, PodToAgentConfiguration, LoopbackRequests} → the pure
///         targets they exercise (never SFServer, SFAgent or SFWebhookServer)
///     SF{YAML, Crypto, Core, Configuration, AWS, GCP, Azure, Outputs, Diagnostics, Doctor, Console, HTTP, Files,
///         Server, Agent, Webhook, WebhookServer}Tests → the target they are named after and what it depends on
///         (SFConfiguration, to parse the agent's configuration, for Diagnostics, Doctor, Agent and Webhook)
///
/// C system libraries (libcurl, libcrypto, libyaml) sit behind thin Swift targets. NIO and Hummingbird are
/// linked only from SFServer, SFAgent and SFWebhookServer; Prometheus only from SFAgent and SFWebhookServer.
let package = Package(
    name: "Skyferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "skyferry", targets: ["skyferry"])
    ],
    // Every package in the resolved graph is pinned with `exact:`, transitive ones included, so a build resolves
    // the same sources everywhere (a Package.resolved from this machine's mirror carries no upstream commit ids, so
    // it stays out of git). Direct dependencies first; `scripts/check-pins.sh` fails when the graph and this list
    // differ.
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        // Default traits pull in full Foundation (ICU) and swift-configuration; the agent needs neither.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        // The webhook's TLS (already in the graph through HummingbirdTLS); named for per-handshake certificate
        // overrides.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", exact: "2.37.6"),
        // Transitive: pinned here only so that they cannot float.
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-algorithms.git", exact: "1.2.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", exact: "1.7.4"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", exact: "1.1.4"),
        .package(url: "https://github.com/apple/swift-atomics.git", exact: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-collections.git", exact: "1.6.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-http-structured-headers.git", exact: "1.7.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-transport-services.git", exact: "1.28.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", exact: "1.1.1"),
        .package(url: "https://github.com/apple/swift-service-context.git", exact: "1.5.1"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        // C system libraries, as our design names them.
        .systemLibrary(name: "CSFCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSFCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSFYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Pure layers.
        .target(name: "SFYAML", dependencies: ["CSFYAML"]),
        .target(name: "SFCrypto", dependencies: ["CSFCrypto"]),
        .target(name: "SFCore"),
        .target(name: "SFAWS", dependencies: ["SFCore", "SFCrypto"]),
        // No SFAWS: AWS identities arrive signed through SFCore's AWSSubjectTokenSigner. No logging: SFGCP
        // never retries; the agent's loop waits for a metadata server that is not ready yet.
        .target(name: "SFGCP", dependencies: ["SFCore"]),
        // Entra ID (the Azure target's token exchange, AADSTS errors) and Azure managed identity (the Azure source).
        .target(name: "SFAzure", dependencies: ["SFCore"]),
        .target(name: "SFOutputs", dependencies: ["SFCore"]),
        // `skyferry doctor` checks and `skyferry setup` plans: pure, no I/O.
        .target(name: "SFDiagnostics", dependencies: ["SFCore", "SFAWS", "SFGCP", "SFAzure"]),
        .target(name: "SFWebhook", dependencies: ["SFCore"]),
        // The one YAML reader (libyaml stays behind it): the agent's and the webhook's parsers, and file loading.
        .target(name: "SFConfiguration", dependencies: ["SFCore", "SFWebhook", "SFYAML"]),

        // Edges: transport and the agent's I/O and lifecycle.
        .target(name: "SFHTTP", dependencies: ["SFCore", "CSFCurl"]),
        // The process's standard streams: the stderr log handler and the stdout report writer.
        .target(name: "SFConsole", dependencies: ["SFCore", .product(name: "Logging", package: "swift-log")]),
        // `skyferry doctor`'s probes (source read, recorded exchange, DNS, stat, bind) behind `DoctorSystem`.
        .target(name: "SFDoctor", dependencies: ["SFDiagnostics", "SFCore", "SFAWS"]),
        // The one bounded small-file reader (tokens, PEM files, configuration, /proc), for the agent, the webhook
        // server and the executable: a leaf of its own, so that SFCore stays free of I/O.
        .target(name: "SFFiles"),
        // The pure side of the agent's loopback servers: requests, policy, endpoints, the credential store.
        // No NIO, Hummingbird or Prometheus, so that FuzzLoopbackRequests builds without the server stack.
        .target(name: "SFLocalEndpoints", dependencies: ["SFCore"]),
        // The one HTTP/1 server loop (plain or TLS) with its connection limits, for the agent and the webhook.
        // NIOSSL for the TLS child channel (already in the graph through HummingbirdTLS).
        .target(
            name: "SFServer",
            dependencies: [
                "SFCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // The connection limits watch HTTP/1 parts (both packages are already in the graph).
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "SFAgent",
            dependencies: [
                "SFCore", "SFOutputs", "SFLocalEndpoints", "SFServer", "SFFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        .target(
            name: "SFWebhookServer",
            dependencies: [
                "SFWebhook", "SFCore", "SFServer", "SFFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // The only composition root.
        .executableTarget(
            name: "skyferry",
            dependencies: [
                "SFCore", "SFAWS", "SFGCP", "SFAzure", "SFOutputs", "SFHTTP", "SFLocalEndpoints", "SFAgent",
                "SFCrypto", "SFDiagnostics",
                "SFDoctor", "SFConsole", "SFWebhook", "SFWebhookServer", "SFConfiguration", "SFFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            linkerSettings: [
                // Release on Linux (the image, the benchmarks): lld, no dynamic symbol table for our own symbols
                // (nothing loads the executable's symbols by name), relative relocations packed (DT_RELR, glibc
                // 2.36+), identical code folded: 30.7 → 25.5 MB stripped (docs/benchmarks.md).
                .unsafeFlags(
                    [
                        "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--icf=all", "-Xlinker", "-O2", "-Xlinker", "--hash-style=gnu",
                    ],
                    .when(platforms: [.linux], configuration: .release)
                )
            ]
        ),

        // Fuzz targets: libFuzzer entry points under -DFUZZING (scripts/fuzz.sh), corpus replayers otherwise.
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport"),
        .executableTarget(
            name: "FuzzConfiguration",
            dependencies: ["SFConfiguration", "SFCore", "FuzzSupport"],
            path: "Fuzz/FuzzConfiguration"
        ),
        .executableTarget(name: "FuzzJWT", dependencies: ["SFCore", "FuzzSupport"], path: "Fuzz/FuzzJWT"),
        .executableTarget(
            name: "FuzzAdmissionReview",
            dependencies: ["SFWebhook", "FuzzSupport"],
            path: "Fuzz/FuzzAdmissionReview"
        ),
        .executableTarget(
            name: "FuzzSTSResponse",
            dependencies: ["SFAWS", "SFGCP", "SFCore", "FuzzSupport"],
            path: "Fuzz/FuzzSTSResponse"
        ),
        .executableTarget(
            name: "FuzzValidators",
            dependencies: ["SFCore", "SFGCP", "FuzzSupport"],
            path: "Fuzz/FuzzValidators"
        ),
        .executableTarget(
            name: "FuzzCredentialDocuments",
            dependencies: ["SFAWS", "SFGCP", "SFCore", "FuzzSupport"],
            path: "Fuzz/FuzzCredentialDocuments"
        ),
        .executableTarget(
            name: "FuzzWebhookConfiguration",
            dependencies: [
                "SFConfiguration", "SFWebhook", "SFCore",
                "FuzzSupport",
            ],
            path: "Fuzz/FuzzWebhookConfiguration"
        ),
        .executableTarget(
            name: "FuzzPodToAgentConfiguration",
            dependencies: [
                "SFConfiguration", "SFWebhook", "SFCore",
                "FuzzSupport",
            ],
            path: "Fuzz/FuzzPodToAgentConfiguration"
        ),
        .executableTarget(
            name: "FuzzLoopbackRequests",
            dependencies: [
                "SFLocalEndpoints", "SFConfiguration", "SFCore",
                "FuzzSupport",
            ],
            path: "Fuzz/FuzzLoopbackRequests"
        ),

        .testTarget(name: "SFYAMLTests", dependencies: ["SFYAML"]),
        .testTarget(name: "SFCryptoTests", dependencies: ["SFCrypto"]),
        .testTarget(name: "SFCoreTests", dependencies: ["SFCore"]),
        .testTarget(
            name: "SFConfigurationTests",
            dependencies: ["SFConfiguration", "SFWebhook", "SFCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SFAWSTests", dependencies: ["SFAWS", "SFCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SFGCPTests", dependencies: ["SFGCP", "SFCore"]),
        .testTarget(name: "SFAzureTests", dependencies: ["SFAzure", "SFCore"]),
        .testTarget(name: "SFOutputsTests", dependencies: ["SFOutputs", "SFCore"]),
        .testTarget(
            name: "SFDiagnosticsTests",
            dependencies: [
                "SFDiagnostics", "SFAWS", "SFGCP", "SFAzure", "SFCore", "SFWebhook",
                "SFConfiguration",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SFHTTPTests", dependencies: ["SFHTTP", "SFCore"]),
        .testTarget(name: "SFDoctorTests", dependencies: ["SFDoctor", "SFDiagnostics", "SFCore", "SFConfiguration"]),
        .testTarget(
            name: "SFConsoleTests",
            dependencies: [
                "SFConsole", "SFCore", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "SFFilesTests", dependencies: ["SFFiles"]),
        .testTarget(
            name: "SFServerTests",
            dependencies: [
                "SFServer", "SFCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SFAgentTests",
            dependencies: [
                "SFAgent", "SFLocalEndpoints", "SFServer", "SFCore", "SFOutputs", "SFConfiguration",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "SFWebhookTests",
            dependencies: ["SFWebhook", "SFCore", "SFConfiguration"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SFWebhookServerTests",
            dependencies: [
                "SFWebhookServer", "SFWebhook", "SFServer", "SFCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift target builds with the upcoming features the Swift server packages enable: `any` spelled out for
// existentials, and members visible only from modules a file imports itself. Warnings are errors whenever
// SKYFERRY_WARNINGS_AS_ERRORS=1 (scripts/test.sh sets it, so CI fails on a new warning in our code).
let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]
let warningsAsErrors: [SwiftSetting] =
    Context.environment["SKYFERRY_WARNINGS_AS_ERRORS"] == "1" ? [.treatAllWarnings(as: .error)] : []
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + upcomingFeatures + warningsAsErrors
}
