import Foundation
import GLMEngine
import GLMInterpreter
import GLMTools

/// The open session's code interpreter: one sandboxed Python per chat session (its variables stay
/// between blocks), its folder `DATA_DIR/interpreter/SESSION` mounted at `/mnt/data`, run with the
/// `[interpreter]` settings of config.toml. Where it cannot run (no bubblewrap) the runner says so
/// to the model in every result and the code card says how to install it.
struct CodeInterpreter {
    let sessionID: SessionID
    let runner: any CodeRunner
    /// Why code cannot run here and how to fix it; nil when it runs.
    let problem: String?
    /// The session's loop with this interpreter (it remembers "always" for the session).
    var loop: AgentLoop?

    /// Made off the main actor: finding bubblewrap and the Python starts processes.
    static func make(for sessionID: SessionID, settings: InterpreterSettings, environment: [String: String],
                     dataDirectory: URL) async -> CodeInterpreter {
        await Task.detached {
            let availability = InterpreterAvailability.check(settings, environment: environment)
            if let problem = availability.problem {
                return CodeInterpreter(sessionID: sessionID, runner: UnavailableCodeRunner(reason: problem), problem: problem)
            }
            let folder = InterpreterFolder.sessionFolder(dataDirectory: dataDirectory, session: sessionID)
            do {
                let python = try InterpreterSession(settings: settings, folder: folder, environment: environment)
                return CodeInterpreter(sessionID: sessionID, runner: InterpreterRunner(session: python), problem: nil)
            } catch {
                return CodeInterpreter(sessionID: sessionID, runner: UnavailableCodeRunner(reason: "\(error)"), problem: "\(error)")
            }
        }.value
    }
}

extension ChatApp {
    /// Where the store keeps its database; the interpreter's folders go under it.
    var dataDirectory: URL { store.databaseURL.deletingLastPathComponent() }

    /// The folder the open session's code sees at `/mnt/data` (nil before the session is saved).
    var interpreterFolder: URL? {
        currentSession.map { InterpreterFolder.sessionFolder(dataDirectory: dataDirectory, session: $0.id) }
    }

    /// Why code cannot run here in a few words, found without starting anything (the mode's
    /// notice says it; the code card gives the whole message).
    var interpreterProblemAtAGlance: String? {
        if InterpreterAvailability.bubblewrapProblem(interpreterSettings, environment: environment) != nil {
            return "bubblewrap is missing (sudo apt install bubblewrap)"
        }
        if let current = codeInterpreter, current.sessionID == currentSession?.id, current.problem != nil {
            return "its Python cannot start (the code card says why)"
        }
        return nil
    }

    /// The open session's code loop, with its interpreter made first when needed (a Python of
    /// another session is ended: one runs at a time).
    func codeLoop() async -> AgentLoop? {
        guard let id = currentSession?.id else { return nil }
        var interpreter: CodeInterpreter
        if let current = codeInterpreter, current.sessionID == id {
            interpreter = current
        } else {
            closeInterpreter()
            interpreter = await CodeInterpreter.make(for: id, settings: interpreterSettings, environment: environment,
                                                     dataDirectory: dataDirectory)
            // another turn may have made it while this one waited
            if let current = codeInterpreter, current.sessionID == id {
                (interpreter.runner as? InterpreterRunner)?.session.shutdown()
                interpreter = current
            }
        }
        if let loop = interpreter.loop, loop.session === chat { return loop }
        let loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: interpreter.runner),
                             approver: makeApprover(), maxToolRounds: maxToolRounds)
        interpreter.loop = loop
        codeInterpreter = interpreter
        return loop
    }

    /// Ends the sandboxed Python (its folder stays with the session).
    public func closeInterpreter() {
        (codeInterpreter?.runner as? InterpreterRunner)?.session.shutdown()
        codeInterpreter = nil
    }

    /// The warning over a code card when the code cannot run here.
    func codeCardWarning(_ call: ProposedCall) -> String? {
        guard call.kind == .interpreter, let problem = codeInterpreter?.problem else { return nil }
        return "⚠ This code cannot run (the model is told so): \(problem)"
    }
}
