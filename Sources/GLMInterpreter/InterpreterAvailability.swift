import Foundation
import GLMConversation

/// Whether the code interpreter can run here, found without starting Python or making a folder:
/// `glmchat tools list` and the app's Code mode say which, and how to fix what is missing.
public enum InterpreterAvailability: Sendable, Equatable {
    /// bubblewrap and the Python were found: code runs in the sandbox.
    case sandboxed(bwrap: String, python: String, version: String)
    /// `unsandboxed = true` in config.toml: code runs WITHOUT a sandbox.
    case unsandboxed(python: String, version: String)
    /// bubblewrap is not installed (and `unsandboxed` is not set): code cannot run.
    case bubblewrapMissing
    /// The configured Python cannot be used; the text says why.
    case pythonMissing(String)

    /// Looks for bubblewrap and asks the configured Python for its path and version.
    public static func check(_ settings: InterpreterSettings,
                             environment: [String: String] = ProcessInfo.processInfo.environment) -> InterpreterAvailability {
        var bwrap: String?
        if !settings.unsandboxed {
            guard let found = ExecutableSearch.find("bwrap", environment: environment) else { return .bubblewrapMissing }
            bwrap = found
        }
        let python: ResolvedPython
        do {
            python = try ResolvedPython.resolve(settings.python, environment: environment)
        } catch {
            return .pythonMissing(error.description)
        }
        guard let bwrap else { return .unsandboxed(python: python.executable, version: python.version) }
        return .sandboxed(bwrap: bwrap, python: python.executable, version: python.version)
    }

    /// Code can run (in the sandbox, or unsandboxed by config).
    public var canRun: Bool {
        switch self {
        case .sandboxed, .unsandboxed: true
        case .bubblewrapMissing, .pythonMissing: false
        }
    }

    /// Why code cannot run and how to fix it; nil when it can.
    public var problem: String? {
        switch self {
        case .sandboxed, .unsandboxed: nil
        case .bubblewrapMissing: SandboxLayout.missingMessage
        case .pythonMissing(let why): "the code interpreter's Python cannot be used: \(why)"
        }
    }

    /// One line for `tools list`: the state, then what it runs with or how to fix it.
    public var summary: String {
        switch self {
        case .sandboxed(let bwrap, let python, let version):
            "available: sandboxed by bubblewrap (\(bwrap)), \(python) \(version); each chat session gets its own /mnt/data"
        case .unsandboxed(let python, let version):
            "UNSANDBOXED by config (interpreter.unsandboxed = true): \(python) \(version) runs code with all your rights"
        case .bubblewrapMissing:
            "bubblewrap missing: code cannot run. Install it: `sudo apt install bubblewrap` (Debian, Ubuntu), "
                + "`sudo dnf install bubblewrap` (Fedora), `sudo pacman -S bubblewrap` (Arch)"
        case .pythonMissing(let why):
            "cannot start: \(why)"
        }
    }

    /// The state's short name for `tools list --json`: available, unsandboxed, bubblewrap-missing, python-missing.
    public var state: String {
        switch self {
        case .sandboxed: "available"
        case .unsandboxed: "unsandboxed"
        case .bubblewrapMissing: "bubblewrap-missing"
        case .pythonMissing: "python-missing"
        }
    }
}

extension InterpreterAvailability {
    /// Only the cheap part of `check` (no process started): the bubblewrap message when it is
    /// needed and not in PATH, else nil.
    public static func bubblewrapProblem(_ settings: InterpreterSettings,
                                         environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard !settings.unsandboxed, ExecutableSearch.find("bwrap", environment: environment) == nil else { return nil }
        return SandboxLayout.missingMessage
    }
}
