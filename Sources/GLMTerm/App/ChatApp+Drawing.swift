import GLMEngine
import GLMStore

/// Drawing the whole screen into a cell grid: transcript, notice, input, status line, session list
/// and any dialog on top.
extension ChatApp {
    public func render(size: Size) -> (grid: CellGrid, cursor: Position?) {
        var grid = CellGrid(size: size)
        lastSize = size
        guard size.rows > 0, size.columns > 0 else { return (grid, nil) }
        let draft = ScreenLayout(size: size, sidebarWanted: sidebarWanted, inputLines: 1)
        let needed = inputLayout(columns: draft.input.columns).lines.count
        let shownNotice = currentNotice
        var noticeLines = 0
        if let shownNotice, !NoticeView.fitsBorder(shownNotice.text, columns: draft.input.columns) {
            noticeLines = NoticeView.lines(shownNotice.text, columns: draft.input.columns).count
        }
        let layout = ScreenLayout(size: size, sidebarWanted: sidebarWanted, inputLines: needed, noticeLines: noticeLines)
        lastLayout = layout
        transcript.layout.completion = transcriptIsCompletion
        if focus != .transcript { transcript.select(block: nil) }
        transcript.draw(messages: transcriptMessages, into: &grid, rect: layout.transcript, theme: theme, emptyHint: emptyHint)
        if let shownNotice, noticeLines > 0 {
            NoticeView(text: shownNotice.text, isError: shownNotice.isError, theme: theme).draw(into: &grid, rect: layout.notice)
        }
        var inputTitle = isCompletion ? "text to continue (base model: no roles)" : "message · F1 help"
        if let files = uploadsToAnnounce {
            inputTitle = "message · announces " + files.map(\.sandboxPath).joined(separator: ", ")
        }
        if let approval { inputTitle = approvalPrompt(approval) }
        let borderNotice = noticeLines > 0 ? nil : shownNotice
        var cursor = InputBoxView(editor: editor, layout: inputLayout(columns: layout.input.columns), title: inputTitle,
                                  notice: borderNotice?.text, noticeIsError: borderNotice?.isError ?? false,
                                  theme: theme).draw(into: &grid, rect: layout.input)
        StatusLineView(model: model, loadingName: loadingModel?.name, contextUsed: contextUsed,
                       tokensPerSecond: tokensPerSecond, drafts: drafts, activity: activity, alternatives: alternativesShown,
                       mode: mode, readOnly: readOnlyReason != nil, theme: theme).draw(into: &grid, rect: layout.status)
        if let sidebar = layout.sidebar {
            let filterCursor = SidebarView(sessions: listedSessions, hits: isSearching ? searchHits : nil,
                                           current: currentSession?.id, selected: sidebarSelection, focused: sidebarFocused,
                                           filter: sessionFilter, archived: showingArchived, theme: theme).draw(into: &grid, rect: sidebar)
            if sidebarFocused, sessionFilter != nil { cursor = filterCursor }
        }
        if layout.sidebar == nil { sidebarFocused = false }
        if focus != .input && !(sidebarFocused && sessionFilter != nil) { cursor = nil }
        if let overlay {
            cursor = dialog(for: overlay).draw(into: &grid, screen: size)
        }
        return (grid, cursor)
    }

    /// What the notice line says: a transcript search being typed, a notice, or the undo offer.
    var currentNotice: (text: String, isError: Bool)? {
        if let transcriptSearch { return ("Find in the transcript: \(transcriptSearch)▏ (Enter finds, Esc cancels)", false) }
        return notice ?? undoNotice.map { (text: $0, isError: false) }
    }

    var emptyHint: String {
        var hint = "Type a message and press Enter. Ctrl+J or Alt+Enter starts a new line; Esc stops an answer; F1 shows every key."
        if isCompletion {
            hint = "Base model: plain completion, no roles. Type the beginning of a text and press Enter to continue it."
        }
        return hint
    }

    func dialog(for overlay: Overlay) -> DialogView {
        switch overlay {
        case .help(let scroll):
            let bindings = KeyBindings.list(for: keyMap)
            let keyWidth = (bindings.map { Glyphs.width(of: $0.keys) }.max() ?? 0) + 2
            var lines = [[Span("This session samples with", style: theme[.dim]),
                          Span(" " + SamplingField.summary(of: chat.sampling), style: theme[.system])],
                         [Span("/set NAME VALUE changes it (\(SamplingField.names))", style: theme[.dim])], []]
            lines += bindings.map { [Span($0.keys, style: theme[.user]), Span($0.action)] }
            return DialogView(title: "Keys", lines: lines, selected: nil, field: nil,
                              footer: "↑↓ PgUp PgDn scroll · any other key closes", theme: theme,
                              hangingIndent: keyWidth, scroll: scroll)
        case .message(let title, let text, let isError, let scroll):
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { [Span(String($0), style: isError ? theme[.error] : .plain)] }
            return DialogView(title: title, lines: lines, selected: nil, field: nil,
                              footer: "↑↓ PgUp PgDn scroll · any other key closes", theme: theme, scroll: scroll)
        case .modelPicker(let selected):
            let lines = models.map { entry in
                var spans = [Span(entry.name, style: theme[.assistant]), Span("  \(entry.kind.rawValue)  ", style: theme[.dim]),
                             Span(entry.path, style: theme[.dim])]
                if entry.name == model?.name { spans.insert(Span("● "), at: 0) } else { spans.insert(Span("  "), at: 0) }
                return spans
            }
            return DialogView(title: "Model", lines: lines, selected: selected, field: nil,
                              footer: "Enter loads · Esc cancels", theme: theme)
        case .confirmDelete(let session):
            return DialogView(title: "Delete session", lines: [[Span("Delete “\(session.displayTitle)” and all its messages?")],
                                                               [Span("(it can be undone for a few seconds)", style: theme[.dim])]],
                              selected: nil, field: nil, footer: "y deletes · any other key keeps it", theme: theme)
        case .startupProblem(let text):
            return DialogView(title: "Session database", lines: [[Span(text, style: theme[.error])]], selected: nil,
                              field: nil, footer: "any key closes", theme: theme)
        case .rename(_, let field):
            return DialogView(title: "Rename session", lines: [[Span("New title:", style: theme[.dim])]], selected: nil,
                              field: field, footer: "Enter saves · Esc cancels", theme: theme)
        case .question(let question):
            var lines = [[Span(question.text)], []]
            for choice in question.choices {
                lines.append([Span(choice.keyName, style: theme[.user]), Span("  " + choice.label)])
            }
            lines.append([Span("Esc", style: theme[.user]), Span("  keeps things as they are")])
            return DialogView(title: question.title, lines: lines, selected: nil, field: nil,
                              footer: "press one of the keys above", theme: theme)
        }
    }

}
