import ArgumentParser
import Foundation
import GLMHub
import GLMStore
import GLMTerm

/// `glmchat models`: what is installed: the models config.toml names, and what `pull` left in the
/// models folder that config.toml does not name (with unfinished downloads marked).
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List installed models: name, kind, size and path (config.toml and the models folder).")

    @Flag(help: "Print machine-readable JSON.") var json = false
    @Option(name: .customLong("data-dir"), help: "The data folder whose models/ is listed (default: $GLMCHAT_DATA_DIR, else $XDG_DATA_HOME/glmchat).")
    var dataDir: String?

    /// One line of the listing.
    struct Row: Encodable, Equatable {
        /// The config.toml name; nil for a download config.toml does not name.
        var name: String?
        var kind: String
        var path: String
        /// Bytes on disk; nil when the path does not exist.
        var bytes: Int64?
        var inConfig: Bool
        /// False for an interrupted pull (`.part` files left).
        var complete: Bool
        var repository: String?
        /// For an interrupted pull: the command that resumes it.
        var resume: String?
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        var configured: [ModelEntry] = []
        do {
            configured = try ChatConfiguration.load(environment: environment).models
        } catch {
            CLIOutput.warn("\(error) (listing the models folder only)")
        }
        let modelsDirectory = ModelsLocation.directory(dataDir: dataDir)
        let rows = Self.rows(configured: configured, installed: InstalledModels.scan(modelsDirectory))
        if json {
            try CLIOutput.printJSON(rows)
            return
        }
        if rows.isEmpty {
            print("No models. Get one with: glmchat pull THUDM/chatglm3-6b (or add [[models]] to config.toml).")
            return
        }
        print(Self.table(rows))
        for row in rows {
            if let resume = row.resume { print("\(row.path) is incomplete; resume it with: \(resume)") }
        }
    }

    /// config.toml's models in its order, then the models folder's others.
    static func rows(configured: [ModelEntry], installed: [InstalledModel]) -> [Row] {
        func same(_ a: String, _ b: String) -> Bool {
            URL(fileURLWithPath: a).standardizedFileURL.path.utf8.elementsEqual(URL(fileURLWithPath: b).standardizedFileURL.path.utf8)
        }
        var rows: [Row] = []
        var matched = Set<Int>()
        for entry in configured {
            let index = installed.firstIndex { same($0.path.path, entry.path) }
            if let index { matched.insert(index) }
            let item = index.map { installed[$0] }
            let bytes = InstalledModels.size(of: URL(fileURLWithPath: entry.path))
            rows.append(Row(name: entry.name, kind: entry.kind.rawValue, path: entry.path, bytes: bytes, inConfig: true,
                            complete: item?.isComplete ?? (bytes != nil), repository: item?.repository))
        }
        for (index, item) in installed.enumerated() where !matched.contains(index) {
            rows.append(Row(name: nil, kind: item.kind.rawValue, path: item.path.path, bytes: item.bytes, inConfig: false,
                            complete: item.isComplete, repository: item.repository))
        }
        for index in rows.indices where !rows[index].complete && rows[index].bytes != nil {
            guard let repository = rows[index].repository, let item = installed.first(where: { same($0.path.path, rows[index].path) })
            else { continue }
            rows[index].resume = "glmchat pull \(repository)" + (item.fileInRepository.map { " " + $0 } ?? "")
        }
        return rows
    }

    static func table(_ rows: [Row]) -> String {
        let header = ["NAME", "KIND", "SIZE", "PATH"]
        let cells = rows.map { row -> [String] in
            var notes: [String] = []
            if row.bytes == nil { notes.append("missing") } else if !row.complete { notes.append("incomplete") }
            if !row.inConfig { notes.append("not in config.toml") }
            let path = row.path + (notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")")
            return [row.name ?? "-", row.kind, row.bytes.map(HubError.bytes) ?? "-", path]
        }
        let table = [header] + cells
        let widths: [Int] = (0..<3).map { column in table.map { Glyphs.width(of: $0[column]) }.max() ?? 0 }
        func padded(_ field: String, to width: Int) -> String {
            field + String(repeating: " ", count: max(0, width - Glyphs.width(of: field)))
        }
        func line(_ fields: [String]) -> String {
            let columns: [String] = (0..<3).map { padded(fields[$0], to: widths[$0]) }
            return columns.joined(separator: "  ") + "  " + fields[3]
        }
        return ([line(header)] + cells.map(line)).joined(separator: "\n")
    }
}
