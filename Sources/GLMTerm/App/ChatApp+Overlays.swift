import GLMEngine
import GLMStore

/// Keys while a dialog is open: the help and long notices scroll, the model list chooses, a
/// confirmation or a question takes its answer, the rename field edits.
extension ChatApp {
    func handleOverlay(_ key: Key) {
        guard let overlay else { return }
        switch overlay {
        case .help(let scroll):
            if let moved = scrolled(scroll, by: key, limit: KeyBindings.list(for: keyMap).count * 3) {
                self.overlay = .help(scroll: moved)
            } else {
                self.overlay = nil
            }
        case .message(let title, let text, let isError, let scroll):
            if let moved = scrolled(scroll, by: key, limit: text.count / 20 + 20) {
                self.overlay = .message(title: title, text: text, isError: isError, scroll: moved)
            } else {
                self.overlay = nil
            }
        case .modelPicker(let selected):
            switch key {
            case .up: self.overlay = .modelPicker(selected: max(0, selected - 1))
            case .down: self.overlay = .modelPicker(selected: min(max(0, models.count - 1), selected + 1))
            case .enter:
                self.overlay = nil
                if models.indices.contains(selected) { chooseModel(models[selected]) }
            case .escape, .control("c"), .function(3): self.overlay = nil
            default: break
            }
        case .startupProblem:
            self.overlay = nil
        case .question(let question):
            answer(question, with: key)
        case .confirmDelete(let session):
            self.overlay = nil
            if key == .text("y") || key == .text("Y") { deleteSession(session) }
        case .rename(let session, var field):
            switch key {
            case .enter:
                self.overlay = nil
                rename(session, to: field.text)
                return
            case .escape, .control("c"):
                self.overlay = nil
                return
            case .text(let text), .paste(let text): field.insert(String(text.map { $0.isNewline ? " " : $0 }))
            case .backspace: field.backspace()
            case .delete: field.deleteForward()
            case .left: field.moveLeft()
            case .right: field.moveRight()
            case .home, .control("a"): field.moveToLineStart()
            case .control("u"): field.deleteToLineStart()
            case .control("w"): field.deleteWordBackward()
            case .end, .control("e"): field.moveToLineEnd()
            default: return
            }
            self.overlay = .rename(session, field)
        }
    }

    /// A scrolling dialog's new position for a scrolling key; nil for any other key (it closes).
    private func scrolled(_ scroll: Int, by key: Key, limit: Int) -> Int? {
        switch key {
        case .down, .wheelDown: return min(scroll + 1, limit)
        case .up, .wheelUp: return max(0, scroll - 1)
        case .pageDown: return min(scroll + 10, limit)
        case .pageUp: return max(0, scroll - 10)
        default: return nil
        }
    }
}
