import Foundation
import GLMEngine

/// A model found in the models folder.
public struct InstalledModel: Equatable, Sendable {
    public enum Format: String, Sendable { case checkpoint, gguf }

    /// The checkpoint's folder or the GGUF file.
    public let path: URL
    public let format: Format
    /// From the pull manifest, else from an `OWNER--NAME` folder name.
    public let repository: String?
    /// A GGUF file's path inside its repository (what `pull` takes as FILE).
    public let fileInRepository: String?
    public let kind: ModelKind
    /// Bytes on disk, `.part` files included.
    public let bytes: Int64
    /// False while `.part` files are left (an interrupted pull: running it again resumes).
    public let isComplete: Bool
}

/// What `glmchat models` finds under the models folder: one entry per checkpoint folder (it has
/// config.json) and one per GGUF file, finished or not.
public enum InstalledModels {
    public static func scan(_ modelsDirectory: URL) -> [InstalledModel] {
        let manager = FileManager.default
        guard let folders = try? manager.contentsOfDirectory(at: modelsDirectory, includingPropertiesForKeys: nil) else { return [] }
        var found: [InstalledModel] = []
        for folder in folders.sorted(by: { $0.lastPathComponent < $1.lastPathComponent }) where isDirectory(folder) {
            let repository = PullManifest.read(folder: folder)?.repository ?? HubRepositoryID(folderName: folder.lastPathComponent)?.description
            // The repository's name without its owner, as pull guesses the kind from it.
            let name = repository.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? folder.lastPathComponent
            let files = regularFiles(under: folder)
            let hasPart = files.contains { $0.relative.hasSuffix(".part") }
            let configURL = folder.appendingPathComponent("config.json")
            if let config = try? Data(contentsOf: configURL) {
                found.append(InstalledModel(path: folder, format: .checkpoint, repository: repository, fileInRepository: nil,
                                            kind: KindGuess.checkpoint(configJSON: config, name: name),
                                            bytes: files.reduce(0) { $0 + $1.size }, isComplete: !hasPart))
                continue
            }
            // Keyed by the path inside the repository; a `.part` file counts towards the file it becomes.
            var ggufs: [String: (bytes: Int64, complete: Bool)] = [:]
            for file in files {
                if file.relative.lowercased().hasSuffix(".gguf") {
                    ggufs[file.relative, default: (0, true)].bytes += file.size
                } else if file.relative.lowercased().hasSuffix(".gguf.part") {
                    let finalName = String(file.relative.dropLast(".part".count))
                    ggufs[finalName, default: (0, true)].bytes += file.size
                    ggufs[finalName, default: (0, true)].complete = false
                }
            }
            for (relative, entry) in ggufs.sorted(by: { $0.key < $1.key }) {
                let url = folder.appendingPathComponent(relative)
                found.append(InstalledModel(path: url, format: .gguf, repository: repository, fileInRepository: relative,
                                            kind: KindGuess.gguf(name: name + "/" + relative),
                                            bytes: entry.bytes, isComplete: entry.complete))
            }
        }
        return found
    }

    /// Bytes of a file, or of every regular file under a folder; nil when nothing is there.
    public static func size(of url: URL) -> Int64? {
        if isDirectory(url) { return regularFiles(under: url).reduce(0) { $0 + $1.size } }
        return FileDownloader.fileSize(url.path)
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    /// Regular files under `folder` (not following symbolic links): path inside it, and size.
    private static func regularFiles(under folder: URL) -> [(relative: String, size: Int64)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [(String, Int64)] = []
        while let relative = enumerator.nextObject() as? String {
            if let size = FileDownloader.fileSize(folder.appendingPathComponent(relative).path) { files.append((relative, size)) }
        }
        return files
    }
}
