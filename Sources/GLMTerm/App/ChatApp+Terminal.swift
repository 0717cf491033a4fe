import GLMEngine

/// What reaches past the screen: the clipboard, the mouse, and the user's editor. The app only asks
/// (`terminalRequests`); the runner has the terminal do it.
extension ChatApp {
    /// Copies the block under the transcript's cursor, or else the last answer.
    func copy() {
        let text: String
        let what: String
        if focus == .transcript, let block = transcript.selected {
            text = block.text
            what = block.isCode ? "the code block" : "the message"
        } else if let answer = messages.last(where: { $0.role == .assistant && !$0.content.isEmpty }) {
            text = answer.content
            what = "the last answer"
        } else {
            return showNotice("Nothing to copy yet")
        }
        terminalRequests.append(.copy(text))
        showNotice("Copied \(what) (\(text.count) characters) to the clipboard")
    }

    /// Mouse on: the wheel scrolls and clicks act (Shift+drag still selects in most terminals).
    /// Off: the terminal selects text as usual.
    func toggleMouse() {
        mouseCaptured.toggle()
        terminalRequests.append(.mouse(mouseCaptured))
        let key = keyMap.names(of: .mouse)
        showNotice(mouseCaptured ? "Mouse on: the wheel scrolls, a click opens a session; Shift+drag selects text"
                                 : "Mouse off: the terminal selects text (\(key) turns it back on)")
    }

    /// Ctrl+G (or Ctrl+X Ctrl+E): the input opens in `$VISUAL`/`$EDITOR` and comes back when it exits.
    func composeInEditor() {
        focus = .input
        terminalRequests.append(.edit(editor.text, command: ExternalEditor.command(environment: environment)))
    }

    /// The editor exited: its text replaces the input (or the input stays, with the reason).
    public func finishEditing(_ result: Result<String, GLMError>) {
        needsFullRedraw = true
        isDirty = true
        switch result {
        case .success(let text):
            editor.set(text)
            history.stopWalking()
            showNotice("Back from the editor: Enter sends")
        case .failure(let error):
            showError("\(error)")
        }
    }

    /// A click: a session in the list opens, a block of the transcript takes the cursor, the
    /// input takes the focus.
    func handleClick(at position: Position) {
        guard let layout = lastLayout else { return }
        if let sidebar = layout.sidebar, contains(sidebar, position) {
            guard let index = SidebarView.session(atRow: position.row, in: sidebar, selected: sidebarSelection,
                                                  count: listedSessions.count, searching: isSearching) else { return }
            sidebarSelection = index
            focus = .sidebar
            handleSidebar(.enter)
        } else if contains(layout.transcript, position) {
            guard let block = transcript.block(atScreenRow: position.row) else { return }
            focus = .transcript
            transcript.select(block: block)
        } else if contains(layout.input, position) {
            focus = .input
        }
    }

    private func contains(_ rect: Rect, _ position: Position) -> Bool {
        (rect.row..<rect.bottom).contains(position.row) && (rect.column..<rect.right).contains(position.column)
    }
}
