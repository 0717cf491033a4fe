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
        let json: JSONValue
        do { json = try JSONValue.parse(bytes: data, source: indexPath) } catch {
            throw GLMError(.badFormat, path: indexPath, "not a JSON object (the file may be truncated): \(error)")
        }
        guard case .object(let rawMap)? = json["weight_map"] else {
            throw GLMError(.badFormat, path: indexPath, "no \"weight_map\" object naming each tensor's shard")
        }
        // Tensor names are matched byte for byte (JSON keys with the same bytes were already merged).
        var weightMap: [(name: String, shard: String)] = []
        for (name, value) in rawMap {
            guard let shard = value.stringValue, !shard.isEmpty, !shard.hasBytePrefix("/"),
                  !shard.utf8.split(separator: UInt8(ascii: "/")).contains(where: { $0.elementsEqual("..".utf8) }) else {
                throw GLMError(.badFormat, path: indexPath, "weight_map entry \(name) does not name a shard file beside the index")
            }
            weightMap.append((name, shard))
        }
        guard !weightMap.isEmpty else { throw GLMError(.badFormat, path: indexPath, "weight_map is empty") }

        let directory = URL(fileURLWithPath: indexPath).deletingLastPathComponent()
        func shardPath(_ shard: String) -> String { directory.appendingPathComponent(shard).path }
        for shard in Set(weightMap.map { ExactText($0.shard) }).sorted().map(\.string) {
            let path = shardPath(shard)
            guard FileManager.default.fileExists(atPath: path) else {
                throw GLMError(.fileNotFound, path: path, "shard listed in \(indexPath) is missing")
            }
            try readShard(path, checkpoint)
        }
        for (name, shard) in weightMap.sorted(by: { ExactText($0.name) < ExactText($1.name) }) {
            let path = shardPath(shard)
            guard let tensor = checkpoint[name] else {
                // A dropped inv_freq (unsupported dtype) is not a missing tensor: it is never read.
                if name.isByteEqual(to: TensorNames.ropeInverseFrequencies) { continue }
                throw GLMError(.missingTensor, path: path, "\(indexPath) lists tensor \(name) in shard \(shard), but the shard does not contain it")
            }
            guard tensor.path.isByteEqual(to: path) else {
                throw GLMError(.missingTensor, path: path, "\(indexPath) lists tensor \(name) in shard \(shard), but the shard does not contain it (it is in \(tensor.path))")
            }
        }
    }
}
