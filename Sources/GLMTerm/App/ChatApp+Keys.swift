import GLMEngine
import GLMStore

/// Where a key goes: a dialog, the mouse, an action of the key map (F1, Ctrl+N…), the keys every
/// part shares (Esc, Ctrl+C, Tab), then the part that has the focus.
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
        if approval != nil, handleApproval(key) { return }
        if case .click(let position) = key { return handleClick(at: position) }
        if case .wheelUp = key { transcript.scroll(by: 3); return }
        if case .wheelDown = key { transcript.scroll(by: -3); return }
        notice = nil
        if pendingControlX {
            pendingControlX = false
            if key == .control("e") { return composeInEditor() }
        }
        if transcriptSearch != nil, handleTranscriptSearch(key) { return }
        // In the transcript each letter is a command (vi's "/", "i", "G"): characters that came in
        // one read ("/first q" sent at once, a fast typist) are taken one by one.
        if focus == .transcript, case .text(let typed) = key, typed.count > 1 {
            for character in typed { handle(.text(String(character))) }
            return
        }
        if sidebarFocused, sessionFilter != nil, handleFilter(key) { return }
        if focus == .input, key == .control("x") {
            pendingControlX = true
            return
        }
        if let action = keyMap.action(for: key), actionApplies(action, to: key) { return perform(action) }
        if handleShared(key) { return }
        switch focus {
        case .sidebar: handleSidebar(key)
        case .transcript: handleTranscript(key)
        case .input: handleInput(key)
        }
    }

    /// A key that types a character (`[`, `]`) acts only where it would type nothing: in the
    /// transcript, or on an empty input when there are alternatives to move between.
    private func actionApplies(_ action: AppAction, to key: Key) -> Bool {
        guard case .text = key else { return true }
        switch focus {
        case .transcript: return true
        case .sidebar: return false
        case .input: return editor.isEmpty && chat.lastTurnWithAlternatives != nil
        }
    }

    func perform(_ action: AppAction) {
        switch action {
        case .help: overlay = .help(scroll: 0)
        case .sidebar:
            sidebarWanted.toggle()
            if !sidebarWanted { sidebarFocused = false }
        case .model: openModelPicker()
        case .copy: copy()
        case .newSession: newSession()
        case .retry: retry()
        case .edit: editLast()
        case .system:
            focus = .input
            editor.set("/system ")
        case .clear: clearContext()
        case .mouse: toggleMouse()
        case .quit: wantsQuit = true
        case .editor: composeInEditor()
        case .previousAlternative: switchAlternative(by: -1)
        case .nextAlternative: switchAlternative(by: 1)
        case .mode: cycleMode()
        case .expandResult: toggleResult()
        }
    }

    /// Keys that mean the same wherever the focus is.
    private func handleShared(_ key: Key) -> Bool {
        switch key {
        case .pageUp where focus == .input: transcript.page(up: true)
        case .pageDown where focus == .input: transcript.page(up: false)
        case .escape:
            if isGenerating {
                stopGeneration()
            } else if focus != .input {
                focus = .input
            } else if keyMap.style == .vi {
                focusTranscript()
            }
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
        case .tab: moveFocus(forward: true)
        case .backTab: moveFocus(forward: false)
        default:
            return false
        }
        return true
    }

    /// Tab: input → session list → transcript → input (the list only when it is shown, the
    /// transcript only when it has something in it); Shift+Tab goes the other way.
    func moveFocus(forward: Bool) {
        var order: [Focus] = [.input]
        if sidebarShown { order.append(.sidebar) }
        if !transcriptMessages.isEmpty { order.append(.transcript) }
        let current = order.firstIndex(of: focus) ?? 0
        let next = order[(current + (forward ? 1 : order.count - 1)) % order.count]
        switch next {
        case .sidebar:
            focus = .sidebar
            sidebarSelection = max(0, listedSessions.firstIndex { $0.id == currentSession?.id } ?? 0)
        case .transcript: focusTranscript()
        case .input: focus = .input
        }
    }

    /// The width the input box gives its text.
    var inputColumns: Int {
        InputBoxView.textWidth(columns: lastSize.columns - (sidebarShown ? ScreenLayout.sidebarWidth : 0))
    }

    var sidebarShown: Bool {
        sidebarWanted && lastSize.columns >= ScreenLayout.sidebarMinimumColumns
    }
}
