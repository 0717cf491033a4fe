import GLMConversation
import GLMTools

/// The sandboxed Pythons of the app's sessions: each session keeps its own while the app runs, so
/// its variables are still there when the user switches away and back. At most `limit` stay
/// alive; making one more ends the least recently used, and that session is remembered so that
/// its next Python says its variables are gone (the user in a notice, the model and the stored
/// result in the restart line). Quitting ends them all (`removeAll`).
struct InterpreterPool {
    /// Each live Python holds up to the memory limit of `[interpreter]`; a few are plenty.
    static let defaultLimit = 4

    var limit = defaultLimit
    /// Least recently used first.
    private(set) var live: [CodeInterpreter] = []
    /// Sessions whose Python was ended to keep within the limit, until their next one is made.
    private(set) var ended: Set<SessionID> = []

    /// The session's interpreter, when one is alive.
    func interpreter(for id: SessionID?) -> CodeInterpreter? {
        guard let id else { return nil }
        return live.first { $0.sessionID == id }
    }

    /// Marks the session's interpreter as just used; returns it.
    mutating func use(_ id: SessionID) -> CodeInterpreter? {
        guard let index = live.firstIndex(where: { $0.sessionID == id }) else { return nil }
        let interpreter = live.remove(at: index)
        live.append(interpreter)
        return interpreter
    }

    /// Keeps a new or changed interpreter as the most recently used; returns those that must end
    /// now to stay within the limit (the caller shuts them down).
    mutating func keep(_ interpreter: CodeInterpreter) -> [CodeInterpreter] {
        live.removeAll { $0.sessionID == interpreter.sessionID }
        live.append(interpreter)
        var evicted: [CodeInterpreter] = []
        while live.count > max(1, limit) {
            let oldest = live.removeFirst()
            ended.insert(oldest.sessionID)
            evicted.append(oldest)
        }
        return evicted
    }

    /// Whether the session's Python was ended for the limit; the mark is taken (said once).
    mutating func takeEndedMark(_ id: SessionID) -> Bool {
        ended.remove(id) != nil
    }

    /// Forgets every interpreter and returns them (the caller shuts them down).
    mutating func removeAll() -> [CodeInterpreter] {
        defer { live = [] }
        return live
    }
}
