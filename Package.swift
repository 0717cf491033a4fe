// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "glmchat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "glmchat", targets: ["glmchat"]),
        .library(name: "GLMEngine", targets: ["GLMEngine"]),
        .library(name: "GLMStore", targets: ["GLMStore"]),
        .library(name: "GLMTerm", targets: ["GLMTerm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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
        .target(
            name: "GLMEngine",
            dependencies: ["COpenBLAS", "CSentencePiece", "CKernels"]
        ),
        .target(
            name: "GLMBench",
            dependencies: ["GLMEngine", "CKernels"]
        ),
        .target(
            name: "GLMStore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "GLMTerm",
            dependencies: ["CNcurses", "GLMEngine", "GLMStore",
                           .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .executableTarget(
            name: "glmchat",
            dependencies: ["GLMBench", "GLMEngine", "GLMStore", "GLMTerm",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "GLMEngineTests", dependencies: ["GLMEngine", "GLMBench"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "GLMBenchTests", dependencies: ["GLMBench", "GLMEngine", "CKernels"]),
        .testTarget(name: "GLMStoreTests", dependencies: ["GLMStore"]),
        .testTarget(name: "GLMTermTests", dependencies: ["GLMTerm", "GLMEngine", "GLMStore"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
