import GLMEngine
import GLMStore
extension ChatApp {
    /// Answers one key. Works in every state: while a model loads, while the prompt is read and
    /// while an answer streams.
    public func handle(_ key: Key) {
        isDirty = true
        if key != .control("c") { quitArmed = false }
        if case .resize = key {
            needsFullRedraw = true
            return
        }
        if key == .control("l") {
            needsFullRedraw = true
            return
        }
        if key == .control("z") {
            wantsSuspend = true
            needsFullRedraw = true
            return
        }
        if overlay != nil {
            handleOverlay(key)
            return
        }
        if case .wheelUp = key { transcript.scroll(by: 3); return }
        if case .wheelDown = key { transcript.scroll(by: -3); return }
        notice = nil
        if sidebarFocused, sessionFilter != nil, handleFilter(key) { return }
        if handleGlobal(key) { return }
        if sidebarFocused {
            handleSidebar(key)
        } else {
            handleInput(key)
        }
    }

    private func handleGlobal(_ key: Key) -> Bool {
        switch key {
        case .function(1): overlay = .help(scroll: 0)
        case .function(2):
            sidebarWanted.toggle()
            if !sidebarWanted { sidebarFocused = false }
        case .function(3): openModelPicker()
        case .control("n"): newSession()
        case .function(5): retry()
        case .function(6): editLast()
        case .function(7):
            sidebarFocused = false
            editor.set("/system ")
        case .function(8): clearContext()
        case .function(10): wantsQuit = true
        case .pageUp where !sidebarFocused: transcript.page(up: true)
        case .pageDown where !sidebarFocused: transcript.page(up: false)
        case .escape:
            if isGenerating { stopGeneration() } else if sidebarFocused { sidebarFocused = false }
        case .control("c"):
            if isGenerating {
                stopGeneration()
            } else if quitArmed {
                wantsQuit = true
            } else {
                editor.clear()
                history.stopWalking()
                quitArmed = true
                showNotice("Press Ctrl+C again to quit")
            }
        case .tab, .backTab:
            sidebarFocused = sidebarShown && !sidebarFocused
            sidebarSelection = max(0, listedSessions.firstIndex { $0.id == currentSession?.id } ?? 0)
        default:
            return false
        }
        return true
    }

    func handleInput(_ key: Key) {
        let columns = inputColumns
        switch key {
        case .text(let text):
            history.stopWalking()
            editor.insert(text)
        case .paste(let text):
            history.stopWalking()
            editor.insert(text)
        case .enter: submit()
        case .newline: editor.insert("\n")
        case .backspace: editor.backspace()
        case .delete: editor.deleteForward()
        case .control("d"):
            if editor.isEmpty { wantsQuit = true } else { editor.deleteForward() }
        case .left, .control("b"): editor.moveLeft()
        case .right, .control("f"): editor.moveRight()
        case .wordLeft, .alt("b"): editor.moveWordLeft()
        case .wordRight, .alt("f"): editor.moveWordRight()
        case .control("a"): editor.moveToLineStart()
        case .control("e"): editor.moveToLineEnd()
        case .home:
            if editor.isEmpty { transcript.scrollToTop() } else { editor.moveToLineStart() }
        case .end:
            if editor.isEmpty { transcript.scrollToBottom() } else { editor.moveToLineEnd() }
        case .control("w"), .alt("\u{7F}"): editor.deleteWordBackward()
        case .control("u"): editor.deleteToLineStart()
        case .control("k"): editor.deleteToLineEnd()
        case .up:
            if editor.isEmpty || history.isWalking {
                if let entry = history.older() { editor.set(entry) }
            } else {
                _ = editor.moveVertically(by: -1, width: columns)
            }
        case .down:
            if history.isWalking {
                if let entry = history.newer() { editor.set(entry) }
            } else {
                _ = editor.moveVertically(by: 1, width: columns)
            }
        default:
            break
        }
    }

    /// The width the input box gives its text.
    var inputColumns: Int {
        max(2, lastSize.columns - (sidebarShown ? ScreenLayout.sidebarWidth : 0) - 2)
    }

    var sidebarShown: Bool {
        sidebarWanted && lastSize.columns >= ScreenLayout.sidebarMinimumColumns
    }

    private func handleOverlay(_ key: Key) {
        guard let overlay else { return }
        switch overlay {
        case .help(let scroll):
            switch key {
            case .down, .wheelDown: self.overlay = .help(scroll: min(scroll + 1, KeyBindings.all.count * 3))
            case .up, .wheelUp: self.overlay = .help(scroll: max(0, scroll - 1))
            case .pageDown: self.overlay = .help(scroll: min(scroll + 10, KeyBindings.all.count * 3))
            case .pageUp: self.overlay = .help(scroll: max(0, scroll - 10))
            default: self.overlay = nil
            }
        case .modelPicker(let selected):
            switch key {
            case .up: self.overlay = .modelPicker(selected: max(0, selected - 1))
            case .down: self.overlay = .modelPicker(selected: min(max(0, models.count - 1), selected + 1))
            case .enter:
                self.overlay = nil
                if models.indices.contains(selected) { loadModel(models[selected]) }
            case .escape, .control("c"), .function(3): self.overlay = nil
            default: break
            }
        case .startupProblem:
            self.overlay = nil
        case .confirmDelete(let session):
            self.overlay = nil
            if key == .text("y") || key == .text("Y") { deleteSession(session) }
        case .rename(let session, var field):
            switch key {
            case .enter:
                self.overlay = nil
                rename(session, to: field.text)
            case .escape, .control("c"):
                self.overlay = nil
            case .text(let text), .paste(let text):
                field.insert(String(text.map { $0.isNewline ? " " : $0 }))
                self.overlay = .rename(session, field)
            case .backspace:
                field.backspace()
                self.overlay = .rename(session, field)
            case .delete:
                field.deleteForward()
                self.overlay = .rename(session, field)
            case .left:
                field.moveLeft()
                self.overlay = .rename(session, field)
            case .right:
                field.moveRight()
                self.overlay = .rename(session, field)
            case .home, .control("a"):
                field.moveToLineStart()
                self.overlay = .rename(session, field)
            case .control("u"):
                field.deleteToLineStart()
                self.overlay = .rename(session, field)
            case .control("w"):
                field.deleteWordBackward()
                self.overlay = .rename(session, field)
            case .end, .control("e"):
                field.moveToLineEnd()
                self.overlay = .rename(session, field)
            default:
                break
            }
        }
    }
}
