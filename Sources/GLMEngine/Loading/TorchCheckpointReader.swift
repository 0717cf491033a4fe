import Foundation

/// Reads a PyTorch `.bin` checkpoint (`torch.save` of a state dict, ZIP format) without Python:
/// the pickle is interpreted by `PickleMachine`, and each tensor points into its storage entry in place.
public enum TorchCheckpointReader {
    /// Adds every tensor of one `.bin` file to `checkpoint`.
    public static func read(path: String, into checkpoint: Checkpoint) throws {
        let file = try MappedFile(path: path)
        checkpoint.retain(file)
        let archive = try ZipArchive(file: file)
        let pickles = archive.entries.keys.map(\.string)
            .filter { $0.hasByteSuffix("/data.pkl") && $0.utf8.split(separator: UInt8(ascii: "/")).count == 2 }
        guard pickles.count == 1, let pickleName = pickles.first else {
            throw GLMError(.badFormat, path: path, pickles.isEmpty
                ? "the archive has no <name>/data.pkl: not a torch.save checkpoint"
                : "the archive holds \(pickles.count) data.pkl files")
        }
        let prefix = String(decoding: pickleName.utf8.dropLast("data.pkl".utf8.count), as: UTF8.self)
        if let order = archive[prefix + "byteorder"] {
            let text = String(decoding: try archive.contents(of: order), as: UTF8.self)
            guard text.isByteEqual(to: "little") else {
                throw GLMError(.unsupported, path: path, "the checkpoint was saved with byte order \"\(text)\"; only little-endian is supported")
            }
        }
        guard let pickleEntry = archive[pickleName] else {
            throw GLMError(.badFormat, path: path, "the archive lost its entry \(pickleName)")
        }
        let root = try PickleMachine.run(try archive.contents(of: pickleEntry), path: path)
        guard case .dict(let stateDict) = root else {
            throw GLMError(.badFormat, path: path, "the checkpoint holds a \(root.kind), not a state dict")
        }
        for (key, value) in stateDict.items {
            guard case .string(let name) = key else {
                throw GLMError(.badFormat, path: path, "the state dict has a \(key.kind) key")
            }
            guard case .tensor(let tensor) = value else {
                throw GLMError(.badFormat, path: path, "state dict entry \(name) is a \(value.kind), not a tensor")
            }
            guard let type = tensor.storage.storageType else {
                // inv_freq is never read (SPEC section 2), so its dtype does not matter.
                if name.isByteEqual(to: TensorNames.ropeInverseFrequencies) { continue }
                throw GLMError(.unsupported, path: path,
                               "tensor \(name) is stored as torch.\(tensor.storage.typeName); supported are FloatStorage, HalfStorage and BFloat16Storage")
            }
            guard tensor.isContiguous else {
                throw GLMError(.unsupported, path: path,
                               "tensor \(name) is not contiguous (shape \(tensor.shape), strides \(tensor.strides)); save it with .contiguous()")
            }
            let entryName = prefix + "data/" + tensor.storage.key
            guard let entry = archive[entryName] else {
                throw GLMError(.badFormat, path: path, "tensor \(name) refers to storage \(entryName), which the archive lacks")
            }
            let storage = try archive.contents(of: entry)
            let elementSize = type.byteCount(elements: 1)
            // Sizes come from the pickle: every product and sum is checked, so damage is an error, not a trap.
            guard tensor.storage.elementCount <= storage.count / elementSize else {
                throw GLMError(.truncated, path: path,
                               "storage \(entryName) has \(storage.count) bytes, less than its \(tensor.storage.elementCount) elements need")
            }
            guard let count = TensorRef.elementCount(of: tensor.shape),
                  tensor.offset <= tensor.storage.elementCount, count <= tensor.storage.elementCount - tensor.offset else {
                throw GLMError(.badFormat, path: path,
                               "tensor \(name) (offset \(tensor.offset), shape \(tensor.shape)) runs past its storage of \(tensor.storage.elementCount) elements")
            }
            let start = tensor.offset * elementSize, end = start + count * elementSize
            let bytes = UnsafeRawBufferPointer(rebasing: storage[start..<end])
            try checkpoint.add(TensorRef(name: name, shape: tensor.shape, type: type, bytes: bytes, path: path))
        }
    }
}
