import Foundation

/// Where the session database lives. In order of precedence: an explicit directory (`--data-dir`),
/// `$GLMCHAT_DATA_DIR`, `$XDG_DATA_HOME/glmchat`, then `~/.local/share/glmchat`.
public enum StorePaths {
    public static let dataDirEnvironmentVariable = "GLMCHAT_DATA_DIR"
    public static let databaseFileName = "sessions.sqlite"

    public static func dataDirectory(override: String? = nil,
                                     environment: [String: String] = ProcessInfo.processInfo.environment)
        -> URL {
        if let override, !override.isEmpty {
            return URL(fileURLWithPath: expandTilde(override), isDirectory: true)
        }
        if let dir = environment[dataDirEnvironmentVariable], !dir.isEmpty {
            return URL(fileURLWithPath: expandTilde(dir), isDirectory: true)
        }
        // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg, isDirectory: true).appendingPathComponent("glmchat", isDirectory: true)
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home, isDirectory: true)
            .appendingPathComponent(".local/share/glmchat", isDirectory: true)
    }

    public static func databaseURL(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent(databaseFileName, isDirectory: false)
    }

    private static func expandTilde(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }
}
