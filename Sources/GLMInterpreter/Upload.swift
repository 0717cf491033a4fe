import Foundation
import GLMConversation

/// A file `/upload PATH` copied into the interpreter's folder.
public struct UploadedFile: Sendable, Equatable {
    /// The file's name in the folder (the source's last path component).
    public var name: String
    /// Its size in bytes.
    public var size: Int

    public init(name: String, size: Int) {
        self.name = name
        self.size = size
    }

    /// Where the model sees it: `/mnt/data/NAME`.
    public var sandboxPath: String { InterpreterFolder.mountPoint + "/" + name }

    /// The lines announcing it at the start of the next user message, as ChatGLM3 was trained
    /// (SPEC §7): `#File: /mnt/data/NAME\n#Size: BYTES\n#File uploaded\n`.
    public var announcement: String {
        "#File: \(sandboxPath)\n#Size: \(size)\n#File uploaded\n"
    }

    /// The user's message with the announcements of `files` before the question.
    public static func announce(_ files: [UploadedFile], before question: String) -> String {
        files.map(\.announcement).joined() + question
    }
}

/// The per-session folder mounted at `/mnt/data`.
public enum InterpreterFolder {
    /// The path the model was trained on.
    public static let mountPoint = "/mnt/data"

    /// A chat session's folder: `DATA_DIR/interpreter/SESSION_ID` (DATA_DIR as in `StorePaths`);
    /// characters other than letters, digits, `-` and `_` in the id become `_`.
    public static func sessionFolder(dataDirectory: URL, session: SessionID) -> URL {
        let safe = String(session.rawValue.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_")
                ? Character(scalar) : "_"
        })
        return dataDirectory.appendingPathComponent("interpreter").appendingPathComponent(safe.isEmpty ? "_" : safe)
    }

    /// The largest file `/upload` copies (256 MiB): the folder is the sandbox's working space, not a store.
    public static let uploadLimit = 256 << 20

    /// Copies the regular file at `source` into `folder` under its own name, replacing a file of
    /// that name. A directory, a missing file, a file over `limit` bytes or a name that would leave
    /// the folder is an error.
    public static func upload(_ source: String, into folder: URL, limit: Int = uploadLimit) throws(GLMError) -> UploadedFile {
        let sourceURL = URL(fileURLWithPath: source)
        let name = sourceURL.lastPathComponent
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
            throw GLMError(.badValue, path: source, "cannot upload: not a file name")
        }
        var status = stat()
        guard stat(source, &status) == 0 else {
            throw GLMError(.fileNotFound, path: source, "cannot upload: \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw GLMError(.badValue, path: source, "cannot upload: only a regular file can be uploaded")
        }
        guard Int(status.st_size) <= limit else {
            throw GLMError(.badValue, path: source,
                           "cannot upload: the file has \(status.st_size) bytes, more than the \(limit >> 20) MiB an upload may have")
        }
        let target = folder.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // A symbolic link left in the folder by sandboxed code must not redirect the copy.
            var existing = stat()
            if lstat(target.path, &existing) == 0 {
                try FileManager.default.removeItem(at: target)
            }
            try FileManager.default.copyItem(at: sourceURL, to: target)
        } catch {
            throw GLMError(.io, path: source, "cannot upload into \(folder.path): \(error.localizedDescription)")
        }
        var copied = stat()
        guard lstat(target.path, &copied) == 0 else {
            throw GLMError(.io, path: target.path, "the uploaded copy is missing")
        }
        return UploadedFile(name: name, size: Int(copied.st_size))
    }
}
