import Foundation
import GLMConversation
import GLMInterpreter

/// The sandbox's interpreter as the agent loop's `CodeRunner`: one Python per session (variables
/// persist between blocks), the observation as the fenced `result` block of SPEC section 7, and
/// the files a block wrote (figures) for the transcript.
public final class InterpreterRunner: CodeRunner, Sendable {
    public let session: InterpreterSession

    public init(session: InterpreterSession) {
        self.session = session
    }

    /// The interpreter for a session's folder, or the reason it cannot start (no bubblewrap, no Python).
    public static func make(settings: InterpreterSettings, folder: URL) throws -> InterpreterRunner {
        InterpreterRunner(session: try InterpreterSession(settings: settings, folder: folder))
    }

    public func status() async -> String {
        let mode = session.isSandboxed ? "sandboxed (bubblewrap)" : "UNSANDBOXED (interpreter unsandboxed = true)"
        return "ready, \(mode), \(session.pythonExecutable) \(session.pythonVersion), /mnt/data = \(session.folder.path)"
    }

    public func run(code: String) async throws -> ToolResult {
        let result = await session.run(code)
        switch result.outcome {
        case .cancelled:
            throw CancellationError()
        case .finished:
            return ToolResult(text: result.observation, isError: false, files: result.files)
        case .exception, .timedOut, .crashed, .failedToStart:
            // The model gets the traceback or the reason in the result block and can correct itself.
            return ToolResult(text: result.observation, isError: true, files: result.files)
        }
    }

    public func cancel() async {
        session.cancel()
    }
}

/// The code interpreter where it cannot run (no bubblewrap, no usable Python): every block gets
/// the reason as its result, so the model is told the code did not run, and nothing pretends it did.
public struct UnavailableCodeRunner: CodeRunner {
    /// Why code cannot run and how to fix it (`InterpreterAvailability.problem`).
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public func status() async -> String { "cannot start: \(reason)" }

    public func run(code: String) async throws -> ToolResult {
        ToolResult(text: InterpreterResult.observation(output: InterpreterNotice.failedToStart(reason)), isError: true)
    }

    public func cancel() async {}
}
