import Foundation
import GLMEngine

/// Writing a message in the user's editor (`$VISUAL`, else `$EDITOR`, else `vi`): the input goes to
/// a temporary UTF-8 file, the editor runs on the terminal, and what the file holds when it exits
/// comes back. The command is run by the shell, so `EDITOR="code --wait"` works.
enum ExternalEditor {
    static func command(environment: [String: String]) -> String {
        for name in ["VISUAL", "EDITOR"] {
            if let value = environment[name], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
        }
        return "vi"
    }

    /// Runs the editor on `text` and returns the edited text. The terminal must be handed over first
    /// (`TerminalBackend.runOutside`). A trailing line break the editor adds is dropped.
    static func edit(_ text: String, command: String) -> Result<String, GLMError> {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-edit-\(UUID().uuidString)")
        let file = directory.appendingPathComponent("message.md")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try Data(text.utf8).write(to: file)
        } catch {
            return .failure(GLMError(.io, path: file.path, "cannot write the message for the editor: \(error.localizedDescription)"))
        }
        let status = run(["/bin/sh", "-c", command + " \"$1\"", "sh", file.path])
        guard status == 0 else {
            return .failure(GLMError(.io, "the editor (\(command)) exited with status \(status); the input is unchanged"))
        }
        guard let data = try? Data(contentsOf: file), let edited = String(data: data, encoding: .utf8) else {
            return .failure(GLMError(.badValue, path: file.path, "the edited message is not UTF-8 text; the input is unchanged"))
        }
        var result = edited
        if result.hasSuffix("\n") && !text.hasSuffix("\n") { result.removeLast() }
        return .success(result)
    }

    /// Runs `argv` on this process's terminal and waits for it; its exit status (-1 if it could not start).
    private static func run(_ argv: [String]) -> Int32 {
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], nil, nil, &cArguments, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }
}
