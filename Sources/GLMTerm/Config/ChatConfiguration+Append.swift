import Foundation

/// `glmchat pull` adds the model it downloaded to config.toml as text: a `[[models]]` block appended
/// at the end, so the user's comments, order and formatting stay as they were.
extension ChatConfiguration {
    public enum AppendOutcome: Equatable, Sendable {
        /// A block was appended under this name.
        case added(name: String)
        /// An entry already names this path; nothing was written.
        case alreadyListed(name: String)
    }

    /// `text` (the file's contents, possibly empty) with a `[[models]]` block for `entry` appended.
    /// The name is `entry.name`, or `NAME-2`, `NAME-3`, ... when taken. The result is parsed again
    /// before it is returned, so a file that would no longer parse is never produced.
    public static func appendingModel(_ entry: ModelEntry, to text: String, comment: String? = nil, path: String,
                                      home: String? = nil) throws(ConfigError) -> (text: String, outcome: AppendOutcome) {
        let existing = try parse(text, path: path, home: home)
        // Paths are compared by bytes: two spellings Swift calls equal can be two files.
        if let listed = existing.models.first(where: { $0.path.utf8.elementsEqual(entry.path.utf8) }) {
            return (text, .alreadyListed(name: listed.name))
        }
        var name = entry.name.isEmpty ? "model" : entry.name
        var suffix = 2
        while existing.models.contains(where: { $0.name == name }) {
            name = "\(entry.name)-\(suffix)"
            suffix += 1
        }
        var block = ""
        if !text.isEmpty {
            if !text.hasSuffix("\n") { block += "\n" }
            if !text.hasSuffix("\n\n") { block += "\n" }
        }
        if let comment {
            for line in comment.split(separator: "\n", omittingEmptySubsequences: false) { block += "# \(line)\n" }
        }
        block += "[[models]]\n"
        block += "name = \(TOMLValue.basicString(name))\n"
        block += "kind = \(TOMLValue.basicString(entry.kind.rawValue))\n"
        block += "path = \(TOMLValue.basicString(entry.path))\n"
        if let contextSize = entry.contextSize { block += "ctx_size = \(contextSize)\n" }
        let result = text + block
        let reparsed: ChatConfiguration
        do {
            reparsed = try parse(result, path: path, home: home)
        } catch {
            throw ConfigError(path: path, "adding the model would break the file (\(error.problem)); add this by hand:\n\(block)")
        }
        guard reparsed.models.last == ModelEntry(name: name, kind: entry.kind, path: entry.path, contextSize: entry.contextSize) else {
            throw ConfigError(path: path, "the appended [[models]] block did not read back as written; add this by hand:\n\(block)")
        }
        return (result, .added(name: name))
    }

    /// Appends `entry` to `$XDG_CONFIG_HOME/glmchat/config.toml` (created when missing) and returns
    /// what happened and the file's path. Only the new block is written (in append mode).
    public static func appendModel(_ entry: ModelEntry, comment: String? = nil,
                                   environment: [String: String]) throws(ConfigError) -> (outcome: AppendOutcome, path: String) {
        let directory = directory(environment: environment)
        let url = directory.appendingPathComponent("config.toml")
        let exists = FileManager.default.fileExists(atPath: url.path)
        var text = ""
        if exists {
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw ConfigError(path: url.path, "cannot be read: \(error.localizedDescription)")
            }
        }
        let (result, outcome) = try appendingModel(entry, to: text, comment: comment, path: url.path, home: environment["HOME"])
        guard case .added = outcome else { return (outcome, url.path) }
        let appended = Data(result.utf8.dropFirst(text.utf8.count))
        do {
            if exists {
                let handle = try FileHandle(forWritingTo: url)
                defer { try? handle.close() }
                try handle.seekToEnd()
                try handle.write(contentsOf: appended)
            } else {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try appended.write(to: url, options: .atomic)
            }
        } catch {
            throw ConfigError(path: url.path, "cannot be written: \(error.localizedDescription)")
        }
        return (outcome, url.path)
    }
}
