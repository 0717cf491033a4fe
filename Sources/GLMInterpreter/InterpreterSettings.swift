import GLMConversation

/// How the code interpreter runs: which Python, and the limits of its sandbox. config.toml's
/// `[interpreter]` table sets them (`parse(_:path:)`); every key is optional.
///
/// ```toml
/// [interpreter]
/// python = "python3"        # a name looked up in PATH, or a path
/// timeout = 60              # seconds of wall time per block; then the process is killed
/// cpu_time = 300            # seconds of CPU time per Python process (RLIMIT_CPU)
/// memory = 2048             # MiB of address space per process (RLIMIT_AS)
/// output = 4000             # characters of output the model gets (head and tail kept)
/// unsandboxed = false       # true runs Python WITHOUT bubblewrap: it can read and write as you
/// ```
public struct InterpreterSettings: Sendable, Equatable {
    /// The Python to run: a name looked up in PATH, or a path. Resolved once, outside the sandbox,
    /// to the real interpreter and its prefix (a pyenv shim or a venv works).
    public var python: String
    /// Wall time one block may take, in seconds; then the whole sandbox is killed.
    public var timeoutSeconds: Double
    /// CPU time one Python process may use in all (RLIMIT_CPU), in seconds.
    public var cpuSeconds: Int
    /// Address space of each process in the sandbox (RLIMIT_AS), in bytes.
    public var memoryBytes: Int
    /// The longest output the model gets, in characters; longer output keeps its head and tail.
    public var outputLimit: Int
    /// Runs Python without bubblewrap. Only an explicit `unsandboxed = true` sets it; every result
    /// then says so.
    public var unsandboxed: Bool

    public init(python: String = "python3", timeoutSeconds: Double = 60, cpuSeconds: Int = 300,
                memoryBytes: Int = 2048 << 20, outputLimit: Int = 4000, unsandboxed: Bool = false) {
        self.python = python
        self.timeoutSeconds = timeoutSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.outputLimit = outputLimit
        self.unsandboxed = unsandboxed
    }

    /// The keys of the `[interpreter]` table.
    public static let keys = ["python", "timeout", "cpu_time", "memory", "output", "unsandboxed"]

    /// Reads the `[interpreter]` table (its members as JSON values; TOML integers, floats, strings
    /// and booleans map one to one). An unknown key or a wrong value is an error naming `path`.
    public static func parse(_ table: [(key: String, value: JSONValue)], path: String) throws(GLMError) -> InterpreterSettings {
        var settings = InterpreterSettings()
        for (key, value) in table {
            switch key {
            case "python":
                guard let text = value.stringValue, !text.isEmpty else {
                    throw GLMError(.badValue, path: path, "interpreter.python must be the name or path of a Python 3")
                }
                settings.python = text
            case "timeout":
                guard let seconds = number(value), seconds > 0, seconds <= 86_400 else {
                    throw GLMError(.badValue, path: path, "interpreter.timeout must be seconds (more than 0, at most 86400)")
                }
                settings.timeoutSeconds = seconds
            case "cpu_time":
                guard case .int(let seconds) = value, seconds >= 1, seconds <= 86_400 else {
                    throw GLMError(.badValue, path: path, "interpreter.cpu_time must be whole seconds (1 to 86400)")
                }
                settings.cpuSeconds = seconds
            case "memory":
                guard case .int(let mebibytes) = value, mebibytes >= 64, mebibytes <= 1 << 24 else {
                    throw GLMError(.badValue, path: path, "interpreter.memory must be MiB (64 to 16777216)")
                }
                settings.memoryBytes = mebibytes << 20
            case "output":
                guard case .int(let characters) = value, characters >= 100, characters <= 1_000_000 else {
                    throw GLMError(.badValue, path: path, "interpreter.output must be characters (100 to 1000000)")
                }
                settings.outputLimit = characters
            case "unsandboxed":
                guard case .bool(let flag) = value else {
                    throw GLMError(.badValue, path: path, "interpreter.unsandboxed must be true or false")
                }
                settings.unsandboxed = flag
            default:
                throw GLMError(.badValue, path: path,
                               "[interpreter]: unknown key '\(key)' (known: \(keys.joined(separator: ", ")))")
            }
        }
        return settings
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let whole): Double(whole)
        case .double(let fraction) where fraction.isFinite: fraction
        default: nil
        }
    }
}
