import Foundation
import GLMEngine
import GLMInterpreter
import GLMTools

/// A session's code interpreter: one sandboxed Python per chat session (its variables stay
/// between blocks, and while other sessions are open: `InterpreterPool`), its folder `DATA_DIR/interpreter/SESSION` mounted at `/mnt/data`, run with the
/// `[interpreter]` settings of config.toml. Where it cannot run (no bubblewrap) the runner says so
/// to the model in every result and the code card says how to install it.
struct CodeInterpreter {
    let sessionID: SessionID
    let runner: any CodeRunner
    /// Why code cannot run here and how to fix it; nil when it runs.
    let problem: String?
    /// The session's loop with this interpreter (it remembers "always" for the session).
    var loop: AgentLoop?

    /// Made off the main actor: finding bubblewrap and the Python starts processes. `afterLoss`:
    /// the session's earlier Python was ended, so its first result says the variables are gone.
    static func make(for sessionID: SessionID, settings: InterpreterSettings, environment: [String: String],
                     dataDirectory: URL, afterLoss: Bool = false) async -> CodeInterpreter {
        await Task.detached {
            let folder = InterpreterFolder.sessionFolder(dataDirectory: dataDirectory, session: sessionID)
            do {
                // the session finds bubblewrap and asks the Python for its paths itself (before it
                // makes the folder), so the Python starts once here, not once more for a check
                let python = try InterpreterSession(settings: settings, folder: folder, environment: environment)
                if afterLoss { python.noteStateLost() }
                return CodeInterpreter(sessionID: sessionID, runner: InterpreterRunner(session: python), problem: nil)
            } catch {
                // why, in the words `tools list` uses (looked up again only on this failing path)
                let problem = InterpreterAvailability.check(settings, environment: environment).problem ?? "\(error)"
                return CodeInterpreter(sessionID: sessionID, runner: UnavailableCodeRunner(reason: problem), problem: problem)
            }
        }.value
    }

    /// Ends the sandboxed Python (its folder stays with the session).
    func shutdown() {
        (runner as? InterpreterRunner)?.session.shutdown()
    }
}

extension ChatApp {
    /// Where the store keeps its database; the interpreter's folders go under it.
    var dataDirectory: URL { store.dataDirectory }

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
        if codeInterpreter?.problem != nil {
            return "its Python cannot start (the code card says why)"
        }
        return nil
    }

    /// The open session's interpreter, when it has one running (or known not to run).
    var codeInterpreter: CodeInterpreter? { interpreters.interpreter(for: currentSession?.id) }

    /// The open session's code loop, with its interpreter made first when needed. The Pythons of
    /// other sessions stay alive (up to `InterpreterPool.limit`), keeping their variables.
    func codeLoop() async -> AgentLoop? {
        guard let id = currentSession?.id else { return nil }
        var interpreter: CodeInterpreter
        if let current = interpreters.use(id) {
            interpreter = current
        } else {
            let lost = interpreters.takeEndedMark(id)
            interpreter = await CodeInterpreter.make(for: id, settings: interpreterSettings, environment: environment,
                                                     dataDirectory: dataDirectory, afterLoss: lost)
            // another turn may have made it while this one waited
            if let current = interpreters.use(id) {
                interpreter.shutdown()
                interpreter = current
            } else if lost {
                showNotice("This session's Python was ended to keep at most \(interpreters.limit) running: "
                           + "its variables are lost (the result says so)")
            }
        }
        if let loop = interpreter.loop, loop.session === chat { return loop }
        let loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: interpreter.runner),
                             approver: makeApprover(), maxToolRounds: maxToolRounds)
        interpreter.loop = loop
        for evicted in interpreters.keep(interpreter) { evicted.shutdown() }
        return loop
    }

    /// Ends every session's sandboxed Python (their folders stay with the sessions): on quit.
    public func closeInterpreter() {
        for interpreter in interpreters.removeAll() { interpreter.shutdown() }
    }

    /// The warning over a code card when the code cannot run here.
    func codeCardWarning(_ call: ProposedCall) -> String? {
        guard call.kind == .interpreter, let problem = codeInterpreter?.problem else { return nil }
        return "⚠ This code cannot run (the model is told so): \(problem)"
    }
}
