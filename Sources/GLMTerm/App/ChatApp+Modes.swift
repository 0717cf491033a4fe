import GLMEngine
import GLMStore

/// The session's mode, as in the original demo: Chat (no tools), Tool (the enabled tools go into
/// the system message) and Code (the interpreter's system prompt). Shown in the status line,
/// switched with F4 or "/mode", and kept with the session so reopening it builds the same prompt.
extension ChatApp {
    var mode: SessionMode { chat.mode }

    /// F4: Chat → Tool → Code → Chat.
    func cycleMode() {
        let all = SessionMode.allCases
        let next = all[((all.firstIndex(of: mode) ?? 0) + 1) % all.count]
        switchMode(to: next)
    }

    /// "/mode NAME"; "/mode" alone says which mode is in force and what it offers.
    func runModeCommand(_ argument: String) {
        guard !argument.isEmpty else {
            return showNotice("Mode: \(mode.title) — /mode chat|tool|code or F4 switches")
        }
        guard let wanted = SessionMode(name: argument) else {
            return showError("No mode named \(argument): chat, tool or code")
        }
        switchMode(to: wanted)
    }

    func switchMode(to wanted: SessionMode) {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        if wanted != .chat, isCompletion {
            return showError("\(model?.name ?? "This model") is a base model: it has no chat format, so no tools")
        }
        let tools = wanted == .tool ? promptTools : nil
        let wasSaved = currentSession != nil
        guard attempt("switch the mode", { try chat.setMode(wanted, tools: tools, model: model) }) != nil else { return }
        if !wasSaved { reloadSessions() }
        var text = "Mode: \(wanted.title)"
        switch wanted {
        case .chat: text += " — no tools"
        case .tool:
            let names = toolNames(in: tools)
            text += names.isEmpty ? " — no tools are enabled (/tools lists them)" : " — tools: " + names.joined(separator: ", ")
        case .code:
            if let problem = interpreterProblemAtAGlance {
                text += " — code cannot run here: " + problem
            } else {
                text += " — the model can run Python in a sandbox; every block asks first (/upload PATH gives it a file)"
            }
        }
        if wanted != .chat, model?.kind == .chat32k {
            text += ". Note: the 32K model was not trained for tools"
        }
        showNotice(text)
    }

    /// The names in a ChatGLM3 tool list.
    func toolNames(in tools: JSONValue?) -> [String] {
        (tools?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }

    /// Ctrl+O, or "o" on a card in the transcript: shows a long result whole, or collapses it again.
    /// Outside the transcript (or off a result) it acts on the last result.
    func toggleResult() {
        let shown = transcriptMessages
        var target: MessageID?
        if focus == .transcript, let block = transcript.selected, shown.indices.contains(block.message),
           shown[block.message].role == .observation {
            target = shown[block.message].id
        }
        if target == nil { target = shown.last { $0.role == .observation }?.id }
        guard let target else { return showNotice("No tool result to expand") }
        if transcript.layout.expandedResults.remove(target) == nil {
            transcript.layout.expandedResults.insert(target)
        }
        isDirty = true
    }
}
