// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "glmchat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "glmchat", targets: ["glmchat"]),
        .library(name: "GLMConversation", targets: ["GLMConversation"]),
        .library(name: "GLMEngine", targets: ["GLMEngine"]),
        .library(name: "GLMStore", targets: ["GLMStore"]),
        .library(name: "GLMTerm", targets: ["GLMTerm"]),
        .library(name: "GLMHub", targets: ["GLMHub"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
    ],
    targets: [
        .systemLibrary(name: "CNcurses", pkgConfig: "ncursesw",
                       providers: [.apt(["libncursesw5-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .target(
            name: "CSentencePiece",
            linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("stdc++")]
        ),
        .target(
            name: "CKernels",
            linkerSettings: [.linkedLibrary("pthread")]
        ),
        .target(name: "GLMConversation"),
        .target(
            name: "GLMEngine",
            dependencies: ["GLMConversation", "COpenBLAS", "CSentencePiece", "CKernels"]
        ),
        .target(
            name: "GLMBench",
            dependencies: ["GLMEngine", "CKernels"]
        ),
        .target(
            name: "GLMStore",
            dependencies: ["GLMConversation", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(name: "GLMOpenAI", dependencies: ["GLMEngine"]),
        // The code interpreter's sandbox (bubblewrap + one Python per session); docs/SANDBOX.md.
        .target(name: "GLMInterpreter", dependencies: ["GLMConversation"]),
        // Tool sources (command tools, MCP servers, the interpreter), the registry and the agent loop.
        .target(name: "GLMTools", dependencies: ["GLMConversation", "GLMEngine", "GLMInterpreter",
                                                 .product(name: "MCP", package: "swift-sdk"),
                                                 .product(name: "Logging", package: "swift-log")]),
        .target(name: "GLMServer",
                dependencies: ["GLMOpenAI", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "GLMRemote",
                dependencies: ["GLMOpenAI", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                               .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio")]),
        .target(
            name: "GLMTerm",
            dependencies: ["CNcurses", "GLMEngine", "GLMStore", "GLMRemote", "GLMInterpreter", "GLMTools"]
        ),
        .target(
            name: "GLMHub",
            dependencies: ["GLMEngine",
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // libFuzzer's driver entry, declared for glmfuzz (defined by -sanitize=fuzzer; scripts/fuzz).
        .target(name: "CFuzzerDriver"),
        // One fuzz target per reader of outside bytes; an ordinary build replays inputs (scripts/fuzz).
        .executableTarget(
            name: "glmfuzz",
            dependencies: ["GLMEngine", "GLMStore", "GLMTerm", "GLMInterpreter", "GLMTools", "CFuzzerDriver"]
        ),
        .executableTarget(
            name: "glmchat",
            dependencies: ["GLMBench", "GLMEngine", "GLMStore", "GLMTerm", "GLMHub", "GLMServer", "GLMRemote", "GLMInterpreter", "GLMTools",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "GLMEngineTests", dependencies: ["GLMEngine", "GLMBench", "GLMTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "GLMBenchTests", dependencies: ["GLMBench", "GLMEngine", "CKernels", "GLMTestSupport"]),
        .testTarget(name: "GLMStoreTests", dependencies: ["GLMStore"]),
        .testTarget(name: "GLMTermTests", dependencies: ["GLMTerm", "GLMEngine", "GLMStore", "GLMTools", "GLMRemote", "GLMTestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GLMChatCLITests", dependencies: ["GLMEngine", "GLMStore", "GLMTestSupport"]),
        // What several test targets share (finding the built program); not part of the product.
        .target(name: "GLMTestSupport", path: "Tests/GLMTestSupport"),
        .testTarget(name: "GLMHubTests", dependencies: ["GLMHub", "GLMTerm", "GLMTestSupport",
                                                        .product(name: "Crypto", package: "swift-crypto")],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GLMInterpreterTests", dependencies: ["GLMInterpreter", "GLMConversation"]),
        .testTarget(name: "GLMToolsTests", dependencies: ["GLMTools", "GLMEngine", "GLMTestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "GLMServerTests", dependencies: ["GLMServer", "GLMRemote", "GLMOpenAI", "GLMEngine",
                                                       .product(name: "AsyncHTTPClient", package: "async-http-client")],
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
