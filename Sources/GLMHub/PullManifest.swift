import Foundation

/// `.glmchat-pull.json` in a repository's folder: which repository and commit it came from, and the
/// files whose hash was verified (path → size and hash). A later pull skips a file only when its
/// recorded hash is the one the hub publishes now, so a changed upstream file is fetched again.
struct PullManifest: Codable, Equatable {
    struct Entry: Codable, Equatable {
        var size: Int64
        var hash: String
    }

    static let fileName = ".glmchat-pull.json"

    var repository: String
    /// The commit of the last pull that completed (the one being fetched, until then).
    var commit: String
    var files: [String: Entry] = [:]

    /// The manifest in `folder`, or a new one when there is none (or it cannot be read: the files it
    /// would vouch for are then checked again, never trusted).
    static func load(folder: URL, repository: HubRepositoryID, commit: String) -> PullManifest {
        let url = folder.appendingPathComponent(fileName)
        if let data = try? Data(contentsOf: url), let manifest = try? JSONDecoder().decode(PullManifest.self, from: data),
           manifest.repository == repository.description {
            return manifest
        }
        return PullManifest(repository: repository.description, commit: commit)
    }

    /// Reads the manifest without a listing (for `glmchat models`).
    static func read(folder: URL) -> PullManifest? {
        guard let data = try? Data(contentsOf: folder.appendingPathComponent(fileName)) else { return nil }
        return try? JSONDecoder().decode(PullManifest.self, from: data)
    }

    /// The size of `path` when it was verified with `hash` and is still on disk with that size.
    func completedSize(_ path: String, hash: String, localPath: String) -> Int64? {
        guard let entry = files[path], entry.hash == hash, FileDownloader.fileSize(localPath) == entry.size else { return nil }
        return entry.size
    }

    func save(folder: URL) throws(HubError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = folder.appendingPathComponent(Self.fileName)
        do {
            try encoder.encode(self).write(to: url, options: .atomic)
        } catch {
            throw .fileSystem(path: url.path, detail: "cannot write: \(error.localizedDescription)")
        }
    }
}
