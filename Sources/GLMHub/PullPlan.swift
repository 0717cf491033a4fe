import Foundation

/// Which files of a repository glmchat needs, and no more.
enum PullPlan: Equatable {
    /// A Hugging Face checkpoint: config.json, tokenizer.model when the repository has one, and the weights.
    case checkpoint(config: RemoteFile, tokenizer: RemoteFile?, weights: Weights)
    /// One GGUF file.
    case gguf(RemoteFile, onlyChoice: Bool)

    enum Weights: Equatable {
        /// `model.safetensors` or `pytorch_model.bin`.
        case single(RemoteFile)
        /// An index json whose `weight_map` names the shards.
        case sharded(index: RemoteFile)
    }

    /// Safetensors are preferred to PyTorch pickles (they map without unpickling); a single file to
    /// an index only when there is no index.
    static let weightFilesByPreference: [(name: String, sharded: Bool)] = [
        ("model.safetensors.index.json", true), ("model.safetensors", false),
        ("pytorch_model.bin.index.json", true), ("pytorch_model.bin", false),
    ]

    /// Chooses from the listing: FILE (a .gguf) when given; else a checkpoint when the repository has
    /// config.json and weights; else its only GGUF file; several GGUF files make the user choose.
    static func choose(from listing: RepositoryListing, file requested: String?) throws(HubError) -> PullPlan {
        let repository = listing.repository.description
        let ggufFiles = listing.files.filter { $0.path.lowercased().hasSuffix(".gguf") }.sorted { $0.path < $1.path }
        if let requested {
            guard requested.lowercased().hasSuffix(".gguf") else { throw .notAGGUFFile(requested) }
            guard let file = listing.file(requested) else {
                throw .fileNotFound(repository: repository, file: requested, available: ggufFiles.map(\.path))
            }
            return .gguf(file, onlyChoice: false)
        }
        if let config = listing.file("config.json"),
           let weights = weightFilesByPreference.lazy.compactMap({ entry in listing.file(entry.name).map { (entry, $0) } }).first {
            let (entry, file) = weights
            return .checkpoint(config: config, tokenizer: listing.file("tokenizer.model"),
                               weights: entry.sharded ? .sharded(index: file) : .single(file))
        }
        switch ggufFiles.count {
        case 0: throw .notAModelRepository(repository: repository, files: listing.files.map(\.path))
        case 1: return .gguf(ggufFiles[0], onlyChoice: true)
        default: throw .chooseGGUFFile(repository: repository, choices: ggufFiles)
        }
    }

    /// The shards an index names (`weight_map` values), each of which must be in the listing.
    static func shards(indexData: Data, index: RemoteFile, listing: RepositoryListing) throws(HubError) -> [RemoteFile] {
        guard let object = try? JSONSerialization.jsonObject(with: indexData), let json = object as? [String: Any],
              let weightMap = json["weight_map"] as? [String: Any] else {
            throw .badResponse(url: index.path, detail: "the shard index has no \"weight_map\" object")
        }
        var names = Set<String>()
        for (tensor, value) in weightMap {
            guard let name = value as? String else {
                throw .badResponse(url: index.path, detail: "weight_map[\(tensor.debugDescription)] is not a file name")
            }
            names.insert(name)
        }
        guard !names.isEmpty else { throw .badResponse(url: index.path, detail: "the shard index names no shard") }
        let folder = index.path.split(separator: "/").dropLast().joined(separator: "/")
        return try names.sorted().map { name throws(HubError) in
            let path = folder.isEmpty ? name : folder + "/" + name
            guard RepositoryListing.isSafeRelativePath(path), let file = listing.file(path) else {
                throw .badResponse(url: index.path, detail: "the index names \(name.debugDescription), which the repository does not have")
            }
            return file
        }
    }
}
