import Foundation

/// Reads a Hugging Face shard index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
/// `weight_map` names each tensor's shard file; every listed shard is read with `readShard`.
public enum ShardedCheckpoint {
    public static func read(indexPath: String, into checkpoint: Checkpoint,
                            readShard: (_ path: String, _ checkpoint: Checkpoint) throws -> Void) throws {
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw GLMError(.fileNotFound, path: indexPath, "no such file")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: indexPath)) } catch {
            throw GLMError(.unreadable, path: indexPath, "cannot read: \(error.localizedDescription)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), let json = object as? [String: Any] else {
            throw GLMError(.badFormat, path: indexPath, "not a JSON object (the file may be truncated)")
        }
        guard let rawMap = json["weight_map"] as? [String: Any] else {
            throw GLMError(.badFormat, path: indexPath, "no \"weight_map\" object naming each tensor's shard")
        }
        var weightMap: [String: String] = [:]
        for (name, value) in rawMap {
            guard let shard = value as? String, !shard.isEmpty, !shard.hasPrefix("/"),
                  !shard.split(separator: "/").contains("..") else {
                throw GLMError(.badFormat, path: indexPath, "weight_map entry \(name) does not name a shard file beside the index")
            }
            weightMap[name] = shard
        }
        guard !weightMap.isEmpty else { throw GLMError(.badFormat, path: indexPath, "weight_map is empty") }

        let directory = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        func shardPath(_ shard: String) -> String { directory.appendingPathComponent(shard).path }
        for shard in Set(weightMap.values).sorted() {
            let path = shardPath(shard)
            guard FileManager.default.fileExists(atPath: path) else {
                throw GLMError(.fileNotFound, path: path, "shard listed in \(indexPath) is missing")
            }
            try readShard(path, checkpoint)
        }
        for (name, shard) in weightMap.sorted(by: { $0.key < $1.key }) {
            let path = shardPath(shard)
            guard let tensor = checkpoint.tensors[name] else {
                // A dropped inv_freq (unsupported dtype) is not a missing tensor: it is never read.
                if name == TensorNames.ropeInverseFrequencies { continue }
                throw GLMError(.missingTensor, path: path, "\(indexPath) lists tensor \(name) in shard \(shard), but the shard does not contain it")
            }
            guard tensor.path == path else {
                throw GLMError(.missingTensor, path: path, "\(indexPath) lists tensor \(name) in shard \(shard), but the shard does not contain it (it is in \(tensor.path))")
            }
        }
    }
}
