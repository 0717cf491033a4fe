import GLMEngine

/// A turn's alternatives: the answers "/retry" kept, the questions "/edit" kept. `[` and `]` move
/// between them (on the turn under the transcript's cursor, else the last turn that has some);
/// the status line shows which one is shown (2/3).
extension ChatApp {
    /// The path index (in `messages`) of the turn `[` and `]` act on, if any has alternatives.
    var alternativesTurn: Int? {
        if focus == .transcript, let block = transcript.selected {
            let index = block.message - (transcriptMessages.count - messages.count)
            if messages.indices.contains(index), chat.alternatives(at: index).count > 1 { return index }
        }
        return chat.lastTurnWithAlternatives
    }

    /// What the status line shows: the alternative shown of that turn, and how many there are.
    var alternativesShown: (position: Int, count: Int)? {
        guard let turn = alternativesTurn else { return nil }
        let alternatives = chat.alternatives(at: turn)
        return alternatives.count > 1 ? alternatives : nil
    }

    func switchAlternative(by step: Int) {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let turn = alternativesTurn else { return showNotice("No alternatives yet: /retry and /edit keep the earlier ones") }
        let selectedBlock = transcript.selectedBlock
        guard let moved = attempt("show the alternative", { try chat.chooseAlternative(at: turn, step: step) }) else { return }
        if !moved { return showNotice(step < 0 ? "This is the first alternative" : "This is the last alternative") }
        contextUsed = contextOfShownPath
        transcript.select(block: focus == .transcript ? selectedBlock : nil)
        let shown = chat.alternatives(at: turn)
        let what = messages[turn].role == .assistant ? "answer" : "message"
        showNotice("Alternative \(shown.position) of \(shown.count) of this \(what)")
    }

    /// The context the shown path used, as its last answer recorded it (its prompt and its tokens;
    /// nothing after a /clear): what the status line shows after opening a session or moving to
    /// another alternative, until the next answer reports its own.
    var contextOfShownPath: Int {
        for message in messages.reversed() {
            if message.isContextClear { return 0 }
            if message.role == .assistant, let prompt = message.promptTokens {
                return prompt + (message.completionTokens ?? 0)
            }
        }
        return 0
    }
}
