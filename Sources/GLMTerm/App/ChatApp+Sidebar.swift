import Foundation

extension ChatApp {
    /// The sessions the list shows: all of them, or those whose title contains the filter.
    var listedSessions: [SessionSummary] {
        guard let sessionFilter, !sessionFilter.isEmpty else { return sessions }
        return sessions.filter { $0.title.localizedCaseInsensitiveContains(sessionFilter) }
    }

    /// Keys while the session list has the focus: move, open, rename, delete, new, "/" to filter.
    func handleSidebar(_ key: Key) {
        let listed = listedSessions
        let selected = listed.indices.contains(sidebarSelection) ? listed[sidebarSelection] : nil
        switch key {
        case .up: sidebarSelection = max(0, sidebarSelection - 1)
        case .down: sidebarSelection = min(max(0, listed.count - 1), sidebarSelection + 1)
        case .home: sidebarSelection = 0
        case .end: sidebarSelection = max(0, listed.count - 1)
        case .enter:
            if let selected {
                openSession(selected)
                sidebarFocused = false
                sessionFilter = nil
            }
        case .text("/"):
            sessionFilter = ""
            sidebarSelection = 0
        case .text("d"), .delete:
            if let selected { overlay = .confirmDelete(selected) }
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

    /// Keys while typing a filter; returns false for keys the list itself handles (moving, Enter).
    func handleFilter(_ key: Key) -> Bool {
        guard let filter = sessionFilter else { return false }
        switch key {
        case .text(let text), .paste(let text):
            sessionFilter = filter + text.filter { !$0.isNewline }
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
        return true
    }
}
