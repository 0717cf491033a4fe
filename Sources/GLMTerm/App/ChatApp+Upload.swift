import Foundation
import GLMEngine
import GLMInterpreter

/// `/upload PATH`: copies a file into the session's interpreter folder (`/mnt/data` for its code)
/// and announces it at the start of the next message, as ChatGLM3 was trained (SPEC §7):
/// `#File: /mnt/data/NAME\n#Size: BYTES\n#File uploaded\n`, then the question.
extension ChatApp {
    /// Returns false when nothing was uploaded (the notice says why; the caller keeps the input).
    @discardableResult
    func upload(_ argument: String) -> Bool {
        let path = (argument.trimmingSpaces() as NSString).expandingTildeInPath
        guard !path.isEmpty else {
            showError("Usage: /upload PATH (a file for the code interpreter, in Code mode)")
            return false
        }
        guard mode == .code else {
            showError("Files go to the code interpreter: switch to Code mode first (F4 or /mode code), then /upload PATH")
            return false
        }
        guard let session = currentSession, let folder = interpreterFolder else {
            showError("Could not upload: this session is not saved yet")
            return false
        }
        let file: UploadedFile
        do {
            file = try InterpreterFolder.upload(path, into: folder)
        } catch {
            showError("Could not upload (your text is kept): \(error)")
            return false
        }
        var files = pendingUploads?.session == session.id ? pendingUploads?.files ?? [] : []
        files.removeAll { $0.name.isByteEqual(to: file.name) }
        files.append(file)
        pendingUploads = (session.id, files)
        showNotice("\(file.sandboxPath) (\(file.size) bytes) is ready; your next message tells the model about it")
        return true
    }

    /// The session's pending uploads that the next message announces: only Code mode announces them
    /// (the model was trained to read them there); in other modes they wait for a Code-mode message.
    var uploadsToAnnounce: [UploadedFile]? {
        guard let pending = pendingUploads, pending.session == currentSession?.id, mode == .code else { return nil }
        return pending.files
    }

    /// The text to send: the announcements of the session's pending uploads, then what was typed.
    func withUploadAnnouncements(_ text: String) -> String {
        guard let files = uploadsToAnnounce else { return text }
        return UploadedFile.announce(files, before: text)
    }

    /// A message was saved: the uploads it announced are no longer pending (those it did not announce,
    /// outside Code mode, still are).
    func uploadsAnnounced() {
        if uploadsToAnnounce != nil { pendingUploads = nil }
    }
}
