import Foundation

/// The programs `swift build --build-tests` puts next to the test bundles, found from the running
/// test process, so that tests run them as a user would.
public enum BuiltProgram {
    /// The `glmchat` binary of this build, or nil when it was not built.
    public static let glmchat: String? = nextToTests("glmchat")

    /// Looks for an executable `name` in the test bundle's folder and up to two folders above it.
    public static func nextToTests(_ name: String) -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
