// swift-tools-version:5.9
//
// CityKit for Swift: the UniFFI-generated bindings (Sources/CityKit/CityKit.swift for the objects,
// the error and the callbacks, CityKitCore.swift for the core's records and enums; written by
// `cargo xtask bindings`, never edited by hand) plus a small hand-written layer
// (Sources/CityKit/CityKit+*.swift, Personal.swift), over the one Rust library, libcitykit_ffi.
//
// Where that library comes from depends on the machine evaluating this manifest:
//   - Apple platforms (Xcode, `swift build` on macOS): the binary target CityKitFFI.xcframework,
//     built on macOS by ios/build-xcframework.sh (see ios/README.md).
//   - Linux (CityKit's CI): a system-library target over the two headers and a hand-written module map
//     in Sources/CityKitFFI, linked against the host build of libcitykit_ffi.so in
//     $CITYKIT_FFI_LIB_DIR (default: ../target/debug). Used by ios/run-tests.sh.
import PackageDescription

#if os(Linux)
let libDir = Context.environment["CITYKIT_FFI_LIB_DIR"] ?? Context.packageDirectory + "/../target/debug"
// The debug library CI builds has the `test-hooks` exports (CityKitClient.debugPanic()); set
// CITYKIT_TEST_HOOKS=0 when pointing CITYKIT_FFI_LIB_DIR at a build without them.
let testHooks = Context.environment["CITYKIT_TEST_HOOKS"] != "0"
let ffiTarget: Target = .systemLibrary(name: "CityKitFFI", path: "Sources/CityKitFFI")
let cityKitLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L" + libDir, "-Xlinker", "-rpath", "-Xlinker", libDir]),
]
let testSwiftSettings: [SwiftSetting] = testHooks ? [.define("CITYKIT_TEST_HOOKS")] : []
#else
let ffiTarget: Target = .binaryTarget(name: "CityKitFFI", path: "CityKitFFI.xcframework")
// The static library uses Security.framework (CommonCrypto for SQLCipher, the platform
// certificate verifier for TLS).
let cityKitLinkerSettings: [LinkerSetting] = [.linkedFramework("Security")]
let testSwiftSettings: [SwiftSetting] = []
#endif

let package = Package(
    name: "CityKit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "CityKit", targets: ["CityKit"]),
    ],
    targets: [
        ffiTarget,
        .target(
            name: "CityKit",
            dependencies: ["CityKitFFI"],
            path: "Sources/CityKit",
            linkerSettings: cityKitLinkerSettings
        ),
        .testTarget(
            name: "CityKitTests",
            dependencies: ["CityKit"],
            path: "Tests/CityKitTests",
            swiftSettings: testSwiftSettings
        ),
    ]
)
