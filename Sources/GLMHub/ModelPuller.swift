import Foundation
import GLMEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model on disk after `pull`: what to write into config.toml.
public struct PulledModel: Equatable, Sendable {
    public let repository: HubRepositoryID
    public let commit: String
    public let format: InstalledModel.Format
    public let kind: ModelKind
    /// The repository's folder (a checkpoint) or the GGUF file.
    public let path: URL
    /// The repository paths that were fetched (or found complete).
    public let files: [String]
    public let totalBytes: Int64

    /// Its name in config.toml unless the user gives one: the repository's name for a checkpoint,
    /// the file's name without `.gguf` for a GGUF file.
    public var suggestedName: String {
        format == .checkpoint ? repository.name : path.deletingPathExtension().lastPathComponent
    }
}

/// `glmchat pull REPO [FILE]`: reads the repository's file list, picks what glmchat needs (PullPlan),
/// downloads each file into `modelsDirectory/OWNER--NAME/` (FileDownloader) and guesses the kind.
public struct ModelPuller: Sendable {
    public let settings: HubSettings
    public let modelsDirectory: URL

    public init(settings: HubSettings, modelsDirectory: URL) {
        self.settings = settings
        self.modelsDirectory = modelsDirectory
    }

    /// The folder a repository's files go into.
    public func folder(for repository: HubRepositoryID) -> URL {
        modelsDirectory.appendingPathComponent(repository.folderName, isDirectory: true)
    }

    public func pull(_ repository: HubRepositoryID, file requested: String? = nil,
                     events: (PullEvent) -> Void) async throws -> PulledModel {
        try await HubClient.with(settings) { client in
            let listing = try await client.listing(of: repository)
            events(.listed(repository: repository.description, commit: listing.commit))
            let plan = try PullPlan.choose(from: listing, file: requested)
            let folder = folder(for: repository)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw HubError.fileSystem(path: folder.path, detail: "cannot create the folder: \(error.localizedDescription)")
            }
            var manifest = PullManifest.load(folder: folder, repository: repository, commit: listing.commit)
            let downloader = FileDownloader(client: client, listing: listing)
            func local(_ file: RemoteFile) -> URL { folder.appendingPathComponent(file.path) }
            func fetch(_ files: [RemoteFile]) async throws {
                try Self.checkFreeSpace(in: folder, for: files.map { FileDownloader.remainingBytes($0, at: local($0), manifest: manifest) })
                for file in files {
                    try await downloader.download(file, to: local(file), manifest: &manifest, folder: folder, events: events)
                }
            }

            let result: (format: InstalledModel.Format, kind: ModelKind, path: URL, files: [RemoteFile])
            switch plan {
            case .gguf(let file, let onlyChoice):
                if onlyChoice { events(.choseOnlyGGUF(file: file.path)) }
                try await fetch([file])
                result = (.gguf, KindGuess.gguf(name: repository.name + "/" + file.path), local(file), [file])
            case .checkpoint(let config, let tokenizer, let weights):
                var files = [config] + (tokenizer.map { [$0] } ?? [])
                switch weights {
                case .single(let weightsFile):
                    files.append(weightsFile)
                    try await fetch(files)
                case .sharded(let index):
                    files.append(index)
                    try await fetch(files)
                    let indexData = try Self.read(local(index))
                    let shards = try PullPlan.shards(indexData: indexData, index: index, listing: listing)
                    try await fetch(shards)
                    files += shards
                }
                let kind = KindGuess.checkpoint(configJSON: try Self.read(local(config)), name: repository.name)
                result = (.checkpoint, kind, folder, files)
            }
            manifest.commit = listing.commit
            try manifest.save(folder: folder)
            let total = result.files.reduce(Int64(0)) { $0 + (FileDownloader.fileSize(local($1).path) ?? 0) }
            return PulledModel(repository: repository, commit: listing.commit, format: result.format, kind: result.kind, path: result.path,
                               files: result.files.map(\.path), totalBytes: total)
        }
    }

    private static func read(_ url: URL) throws(HubError) -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw .fileSystem(path: url.path, detail: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Refuses to start when the disk cannot hold what is left to download.
    static func checkFreeSpace(in folder: URL, for remaining: [Int64]) throws(HubError) {
        let needed = remaining.reduce(Int64(0)) { $0.addingReportingOverflow($1).overflow ? .max : $0 + $1 }
        guard needed > 0 else { return }
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return }
        let (product, overflow) = UInt64(info.f_bavail).multipliedReportingOverflow(by: UInt64(info.f_frsize))
        let available = overflow ? Int64.max : Int64(clamping: product)
        if available < needed { throw .notEnoughSpace(directory: folder.path, needed: needed, available: available) }
    }
}
