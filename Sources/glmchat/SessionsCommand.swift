import ArgumentParser
import Foundation
import GLMStore

/// `glmchat sessions ...`: the saved conversations, from the shell.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List, show, search, export, import and delete saved sessions.",
        subcommands: [List.self, Show.self, Search.self, Export.self, Import.self, Delete.self],
        defaultSubcommand: List.self)
}

/// Where the database is, shared by every subcommand.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"),
            help: "Directory holding sessions.sqlite (default: $GLMCHAT_DATA_DIR, else $XDG_DATA_HOME/glmchat).")
    var dataDir: String?

    @Flag(name: .customLong("json"), help: "Print machine-readable JSON.")
    var json = false

    /// Opens the store (`readOnly` for the commands that only read: the file is never moved or
    /// changed); a notice about a damaged database goes to stderr.
    func open(_ access: StoreAccess) throws -> GLMStore {
        let store = try GLMStore(dataDirectory: StorePaths.dataDirectory(override: dataDir), access: access)
        if let notice = store.notice {
            CLIOutput.warn(notice.description)
        }
        return store
    }
}

extension SessionsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions, most recent first.")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Show archived sessions instead of active ones.") var archived = false
        @Flag(help: "Show active and archived sessions.") var all = false
        @Option(help: "How many to show.") var limit = 50
        @Option(help: "How many to skip.") var offset = 0

        func run() throws {
            guard limit > 0, offset >= 0 else { throw ValidationError("--limit must be positive and --offset not negative") }
            let store = try options.open(.readOnly)
            let filter: ArchiveFilter = all ? .all : (archived ? .archived : .active)
            let sessions = try store.listSessions(filter, offset: offset, limit: limit)
            if options.json {
                try CLIOutput.printJSON(sessions.map(SessionJSON.init))
                return
            }
            if sessions.isEmpty {
                print(offset == 0 ? "No sessions." : "No more sessions.")
                return
            }
            for session in sessions { print(CLIOutput.line(for: session)) }
            let total = try store.countSessions(filter)
            if offset + sessions.count < total {
                print("(\(total - offset - sessions.count) more: --offset \(offset + sessions.count))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one session (the id may be shortened).")
        @OptionGroup var options: StoreOptions
        @Flag(help: "Every alternative kept by /retry and /edit, not only the chosen path.") var all = false
        @Argument(help: "Session id or a unique prefix of it.") var id: String

        func run() throws {
            let store = try options.open(.readOnly)
            let sessionID = try store.resolveSessionID(id)
            if options.json {
                CLIOutput.write(try store.exportJSON(sessionID, alternatives: all))
            } else {
                print(try store.exportMarkdown(sessionID, alternatives: all), terminator: "")
            }
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find sessions whose title or one message contains every word of the query.")
        @OptionGroup var options: StoreOptions
        @Option(help: "How many sessions to show.") var limit = 20
        @Argument(help: "Words to find (case-insensitive; Chinese works without spaces).") var query: [String]

        func run() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
            let store = try options.open(.readOnly)
            let hits = try store.search(query.joined(separator: " "), limit: limit)
            if options.json {
                try CLIOutput.printJSON(hits.map(SearchHitJSON.init))
                return
            }
            if hits.isEmpty { print("No matches.") }
            let highlighter = Highlighter.forStandardOutput()
            for hit in hits {
                print(CLIOutput.line(for: hit.session, titleMatches: hit.titleMatches, highlighter: highlighter))
                if let snippet = hit.snippet, let role = hit.role {
                    print("    \(role.rawValue): \(highlighter.apply(snippet.text[...], snippet.matches))")
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a session as Markdown or as JSON (for import).")
        @OptionGroup var options: StoreOptions
        @Option(help: "md or json.") var format: ExportFormat = .md
        @Option(name: [.short, .long], help: "Write to this file instead of standard output.") var output: String?
        @Flag(help: "Every alternative kept by /retry and /edit, not only the chosen path.") var all = false
        @Argument(help: "Session id or a unique prefix of it.") var id: String

        func run() throws {
            let store = try options.open(.readOnly)
            let sessionID = try store.resolveSessionID(id)
            let data = format == .json ? try store.exportJSON(sessionID, alternatives: all)
                : Data(try store.exportMarkdown(sessionID, alternatives: all).utf8)
            if let output {
                do {
                    try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw GLMError(.io, path: output, "cannot write the export: \(error.localizedDescription)")
                }
                if options.json {
                    try CLIOutput.printJSON(["id": sessionID.rawValue, "format": format.rawValue, "path": output])
                } else {
                    print("Exported \(sessionID) to \(output)")
                }
            } else if options.json && format == .md {
                try CLIOutput.printJSON(["id": sessionID.rawValue, "format": "md",
                                         "content": String(decoding: data, as: UTF8.self)])
            } else {
                CLIOutput.write(data)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add sessions from JSON files made by `export --format json`.")
        @OptionGroup var options: StoreOptions
        @Flag(name: .customLong("new-ids"), help: "Give the imported sessions new ids (to import a copy).")
        var newIDs = false
        @Argument(help: "JSON files.") var files: [String]

        func run() throws {
            let store = try options.open(.readWrite)
            var imported: [ImportJSON] = []
            for file in files {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw GLMError(.io, path: file, "cannot read the file: \(error.localizedDescription)")
                }
                let session = try store.importSession(from: data, path: file, assignNewIDs: newIDs)
                let count = try store.chosenPath(in: session.id).count
                imported.append(ImportJSON(file: file, id: session.id.rawValue, title: session.displayTitle, messages: count))
                if !options.json { print("Imported \(session.id) \"\(session.displayTitle)\" (\(count) messages)") }
            }
            if options.json { try CLIOutput.printJSON(imported) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete sessions and their messages for good.")
        @OptionGroup var options: StoreOptions
        @Flag(name: [.short, .long], help: "Do not ask for confirmation.") var yes = false
        @Argument(help: "Session ids or unique prefixes.") var ids: [String]

        func run() throws {
            let store = try options.open(.readWrite)
            let sessions = try ids.map { prefix -> Session in
                let id = try store.resolveSessionID(prefix)
                guard let session = try store.session(id) else { throw GLMError(.notFound, "no session with id \(prefix)") }
                return session
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    throw ValidationError("refusing to delete without confirmation: pass --yes")
                }
                for session in sessions { print(CLIOutput.line(for: session)) }
                print("Delete \(sessions.count == 1 ? "this session" : "these \(sessions.count) sessions") for good? [y/N] ",
                      terminator: "")
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    print("Nothing deleted.")
                    return
                }
            }
            for session in sessions { try store.deleteSessionPermanently(session.id) }
            if options.json {
                try CLIOutput.printJSON(["deleted": sessions.map(\.id.rawValue)])
            } else {
                print("Deleted \(sessions.count) session\(sessions.count == 1 ? "" : "s").")
            }
        }
    }
}

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    case md, json
}
