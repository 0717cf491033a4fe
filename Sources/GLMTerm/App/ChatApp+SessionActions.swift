import GLMEngine
import GLMStore
import Foundation

/// Deleting with undo, archiving and exporting sessions.
extension ChatApp {
    /// A deleted session that `u` (or "/undo") can still bring back until `deadline`.
    struct PendingDeletion {
        var session: Session
        var deadline: ContinuousClock.Instant
        /// It was open: undo opens it again.
        var wasOpen: Bool
    }

    /// How long a deleted session can be restored.
    static let undoWindow = Duration.seconds(5)

    /// What the input box's border says while an undo is possible.
    var undoNotice: String? {
        guard let pendingDeletion else { return nil }
        let how = sidebarFocused ? "u to undo" : "/undo to undo"
        return "Deleted “\(pendingDeletion.session.displayTitle)” — \(how)"
    }

    func deleteSession(_ session: Session) {
        finishPendingDeletion()
        let wasOpen = session.id == currentSession?.id
        guard attempt("delete the session", { try store.deleteSession(session.id) }) != nil else { return }
        if wasOpen { newSession() }
        pendingDeletion = PendingDeletion(session: session, deadline: .now + Self.undoWindow, wasOpen: wasOpen)
        notice = nil
        reloadSessions()
    }

    func undoDelete() {
        guard let pending = pendingDeletion else {
            showNotice("Nothing to undo")
            return
        }
        pendingDeletion = nil
        guard attempt("restore the session", { try store.restoreSession(pending.session.id) }) != nil else { return }
        if pending.wasOpen, currentSession == nil, messages.isEmpty { openSession(pending.session) }
        reloadSessions()
        if let index = listedSessions.firstIndex(where: { $0.id == pending.session.id }) { sidebarSelection = index }
        showNotice("Restored “\(pending.session.displayTitle)”")
    }

    /// Called by the main loop: once the undo window has passed, the deletion is made final.
    public func expirePendingDeletion(now: ContinuousClock.Instant = .now) {
        guard let pendingDeletion, now >= pendingDeletion.deadline else { return }
        finishPendingDeletion()
    }

    /// Makes a pending deletion final at once (a second delete, or quitting).
    public func finishPendingDeletion() {
        guard let pending = pendingDeletion else { return }
        pendingDeletion = nil
        isDirty = true
        attempt("delete the session for good") { try store.purgeDeletedSession(pending.session.id) }
    }

    func toggleArchived(_ session: Session) {
        let archive = !session.isArchived
        guard attempt(archive ? "archive the session" : "unarchive the session",
                      { try store.setArchived(session.id, archive) }) != nil else { return }
        if currentSession?.id == session.id { attempt("read the session") { try chat.reloadSession() } }
        reloadSessions()
        runSearch()
        if archive {
            showNotice("Archived “\(session.displayTitle)” — A lists the archived sessions")
        } else {
            showNotice("“\(session.displayTitle)” is back in the session list")
        }
    }

    /// "/export [PATH]" and `e`: the session as Markdown, to PATH or to a new file named after it
    /// in `exportDirectory`; the notice says where it went.
    func export(_ session: Session, to argument: String) {
        guard let markdown = attempt("export the session", { try store.exportMarkdown(session.id) }) else { return }
        let url = ExportPath.resolve(argument, title: session.displayTitle, in: exportDirectory)
        do {
            try Data(markdown.utf8).write(to: url, options: .atomic)
            showNotice("Exported “\(session.displayTitle)” to \(url.path)")
        } catch {
            showError("Could not write \(url.path): \(error.localizedDescription)")
        }
    }
}
