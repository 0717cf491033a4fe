import GLMEngine
import GLMStore
import Foundation

extension ChatApp {
    /// Whether the list shows search results: a non-blank query was typed after "/".
    var isSearching: Bool {
        guard let sessionFilter else { return false }
        return !sessionFilter.trimmingSpaces().isEmpty
    }

    /// The sessions the list shows: the search hits while searching, else the active (or, after
    /// `A`, the archived) sessions.
    var listedSessions: [Session] {
        isSearching ? searchHits.map(\.session) : sessions
    }

    /// Asks the store again for the current query (every session's messages, not just what is listed).
    func runSearch() {
        guard isSearching, let query = sessionFilter else {
            searchHits = []
            return
        }
        // The 200 most recent matching sessions: more than anyone scrolls through, and a common
        // word stays as quick as a rare one.
        searchHits = attempt("search the sessions") { try store.search(query, limit: 200) } ?? []
    }

    /// Keys while the session list has the focus: move, open, rename, delete, undo, archive, export,
    /// new, "/" to search.
    func handleSidebar(_ key: Key) {
        let listed = listedSessions
        let selected = listed.indices.contains(sidebarSelection) ? listed[sidebarSelection] : nil
        switch key {
        case .up: sidebarSelection = max(0, sidebarSelection - 1)
        case .down: moveSelection(to: sidebarSelection + 1)
        case .home: sidebarSelection = 0
        case .end:
            readMoreSessions(all: true)
            sidebarSelection = max(0, listedSessions.count - 1)
        case .pageUp: sidebarSelection = max(0, sidebarSelection - max(1, lastSize.rows - 4))
        case .pageDown: moveSelection(to: sidebarSelection + max(1, lastSize.rows - 4))
        case .enter:
            if let selected {
                let hit = isSearching && searchHits.indices.contains(sidebarSelection) ? searchHits[sidebarSelection] : nil
                openSession(selected)
                if let id = hit?.messageID, let index = transcriptMessages.firstIndex(where: { $0.id == id }) {
                    transcript.reveal(message: index)
                }
                sidebarFocused = false
                sessionFilter = nil
                searchHits = []
            }
        case .text(let text) where text.hasPrefix("/"):
            // Fast typing (or a script) can deliver "/" and the query as one piece.
            sessionFilter = String(text.dropFirst().map { $0.isNewline ? " " : $0 })
            sidebarSelection = 0
            runSearch()
        case .text("d"), .delete:
            if let selected { overlay = .confirmDelete(selected) }
        case .text("u"): undoDelete()
        case .text("a"):
            if let selected { toggleArchived(selected) }
        case .text("A"): showArchived(!showingArchived)
        case .text("e"):
            if let selected { export(selected, to: "") }
        case .text("r"):
            if let selected { overlay = .rename(selected, InputEditor(text: selected.title)) }
        case .text("n"):
            newSession()
            sidebarFocused = false
        case .text, .paste:
            sidebarFocused = false
            handleInput(key)
        default:
            break
        }
    }

    /// Moves down the list, reading the next page first when the move gets near the end of what was read.
    private func moveSelection(to index: Int) {
        if index >= sessions.count - Self.sessionPage / 4 { readMoreSessions(all: false) }
        sidebarSelection = min(max(0, listedSessions.count - 1), index)
    }

    /// Appends the next page of sessions (or all the rest) unless every one is read or a search is shown.
    func readMoreSessions(all: Bool) {
        guard !sessionsComplete, !isSearching else { return }
        let limit = all ? Int.max : Self.sessionPage
        let offset = sessions.count
        guard let more = attempt("read the sessions", { try store.listSessions(showingArchived ? .archived : .active, offset: offset, limit: limit) }) else { return }
        let known = Set(sessions.map(\.id))
        sessions += more.filter { !known.contains($0.id) }
        sessionsComplete = more.count < limit
    }

    /// Keys while typing a search; returns false for keys the list itself handles (moving, Enter).
    func handleFilter(_ key: Key) -> Bool {
        guard let filter = sessionFilter else { return false }
        switch key {
        case .text(let text), .paste(let text):
            sessionFilter = filter + text.map { $0.isNewline ? " " : $0 }
        case .backspace:
            sessionFilter = filter.isEmpty ? nil : String(filter.dropLast())
        case .escape, .control("c"):
            sessionFilter = nil
        case .control("u"):
            sessionFilter = ""
        default:
            return false
        }
        sidebarSelection = 0
        runSearch()
        return true
    }

    /// "/search TEXT": the list takes the focus and shows what matches.
    func startSearch(_ query: String) {
        sidebarWanted = true
        guard sidebarShown else {
            showError("The session list needs a window at least \(ScreenLayout.sidebarMinimumColumns) columns wide")
            return
        }
        sidebarFocused = true
        sessionFilter = query
        sidebarSelection = 0
        runSearch()
    }

    /// `A` / "/archived": the list shows the archived sessions instead of the active ones (and back).
    func showArchived(_ archived: Bool) {
        showingArchived = archived
        sessions = []          // the other view is read afresh, one page
        sidebarSelection = 0
        sessionFilter = nil
        searchHits = []
        reloadSessions()
        showNotice(archived ? "Archived sessions: a brings one back, A returns to the list" : "Active sessions")
    }
}
