/// What one block did: its output, how it ended, the files it left in the folder, and the text the
/// model gets back (`observation`).
public struct InterpreterResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// The block ran to its end.
        case finished
        /// The block raised; `traceback` holds Python's report.
        case exception
        /// The wall time ran out; the sandbox was killed (variables lost).
        case timedOut(seconds: Double)
        /// Stopped by `cancel()`; `stateLost` says whether Python had to be killed.
        case cancelled
        /// Python died (a crash, a signal, the CPU limit, `os._exit`); the next block starts afresh.
        case crashed(String)
        /// Python could not be started (the sandbox failed); the text says why.
        case failedToStart(String)
    }

    public var outcome: Outcome
    /// What the block wrote to stdout and stderr, each already cut to the output limit.
    public var stdout: String
    public var stderr: String
    /// Python's traceback of the exception the block raised (driver frames left out).
    public var traceback: String?
    /// Regular files created or changed in the folder by this block (paths relative to it, sorted),
    /// such as figures: `figure-1.png`.
    public var files: [String]
    /// Before this block Python was started afresh after a timeout, a crash or a kill: the
    /// variables of earlier blocks are gone. The observation says so.
    public var restartedAfterLoss: Bool
    /// Python had to be killed (timeout, crash, a cancel it ignored): the next block starts a
    /// fresh process and says so.
    public var stateLost: Bool
    /// Python ran without bubblewrap (`unsandboxed = true`). The observation says so.
    public var unsandboxed: Bool
    /// The output cut to the limit (stdout, stderr, traceback and notices, in that order): the
    /// text inside the fenced block.
    public var output: String

    public init(outcome: Outcome, stdout: String, stderr: String, traceback: String?, files: [String],
                stateLost: Bool, restartedAfterLoss: Bool, unsandboxed: Bool, outputLimit: Int,
                cutBytes: Int = 0) {
        self.outcome = outcome
        self.stdout = stdout
        self.stderr = stderr
        self.traceback = traceback
        self.files = files
        self.stateLost = stateLost
        self.restartedAfterLoss = restartedAfterLoss
        self.unsandboxed = unsandboxed
        self.output = ""
        self.output = Self.composeOutput(self, limit: outputLimit, cutBytes: cutBytes)
    }

    /// The observation message's content, as ChatGLM3 was trained (SPEC §7):
    /// "```result\n" + output + "\n```".
    public var observation: String { Self.observation(output: output) }

    public static func observation(output: String) -> String {
        "```result\n" + output + "\n```"
    }

    private static func composeOutput(_ result: InterpreterResult, limit: Int, cutBytes: Int) -> String {
        var parts: [String] = []
        if result.unsandboxed { parts.append(InterpreterNotice.unsandboxed) }
        if result.restartedAfterLoss { parts.append(InterpreterNotice.restarted) }
        var body = result.stdout
        for more in [result.stderr, result.traceback ?? ""] where !more.isEmpty {
            if !body.isEmpty, !body.hasSuffix("\n") { body += "\n" }
            body += more
        }
        while body.hasSuffix("\n") { body.removeLast() }
        if !body.isEmpty { parts.append(HeadTail.cut(body, limit: limit, alreadyCutBytes: cutBytes)) }
        switch result.outcome {
        case .finished, .exception: break
        case .timedOut(let seconds):
            parts.append(InterpreterNotice.timedOut(seconds))
        case .cancelled:
            parts.append(result.stateLost ? InterpreterNotice.cancelledKilled : InterpreterNotice.cancelled)
        case .crashed(let why):
            parts.append(InterpreterNotice.crashed(why))
        case .failedToStart(let why):
            parts.append(InterpreterNotice.failedToStart(why))
        }
        return parts.joined(separator: "\n")
    }
}

/// The notices the interpreter adds to a block's output.
public enum InterpreterNotice {
    public static let unsandboxed =
        "WARNING: this code ran WITHOUT a sandbox (interpreter.unsandboxed = true): it could read and change every file of the user."
    public static let restarted =
        "[Python was restarted: variables and imports from earlier blocks are gone]"
    public static let cancelled = "[Stopped by the user]"
    public static let cancelledKilled = "[Stopped by the user: Python was killed and its variables are lost]"

    public static func timedOut(_ seconds: Double) -> String {
        "[Timed out after \(formatted(seconds)) s: Python was stopped and its variables are lost]"
    }

    public static func crashed(_ why: String) -> String {
        "[Python crashed (\(why)): its variables are lost]"
    }

    public static func failedToStart(_ why: String) -> String {
        "[The code was not run: \(why)]"
    }

    static func formatted(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
