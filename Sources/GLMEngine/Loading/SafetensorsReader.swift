import Foundation

/// Reads `.safetensors` files: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data. Tensors are used in place from the mapping.
public enum SafetensorsReader {
    /// Adds every tensor of one file to `checkpoint`.
    public static func read(path: String, into checkpoint: Checkpoint) throws {
        let file = try MappedFile(path: path)
        checkpoint.retain(file)
        let lengthBytes = try file.bytes(0..<8, what: "the safetensors header length")
        let headerLength = Int(lengthBytes.loadUnaligned(as: UInt64.self).littleEndian)
        guard headerLength > 1, headerLength < 100_000_000 else {
            throw GLMError(.badMagic, path: path,
                           "not a safetensors file (header length \(headerLength) is implausible)")
        }
        let header = try file.bytes(8..<(8 + headerLength), what: "the safetensors JSON header")
        guard let object = try? JSONSerialization.jsonObject(with: Data(header)),
              let entries = object as? [String: Any] else {
            throw GLMError(.badFormat, path: path, "the safetensors header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int],
                  let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw GLMError(.badFormat, path: path, "tensor \(name): malformed header entry")
            }
            guard let type = storageType(safetensorsDType: dtype) else {
                throw GLMError(.unsupported, path: path,
                               "tensor \(name) has dtype \(dtype); supported are F32, F16 and BF16")
            }
            guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] >= offsets[0] else {
                throw GLMError(.badFormat, path: path, "tensor \(name): negative shape or byte range")
            }
            let count = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == type.byteCount(elements: count) else {
                throw GLMError(.badFormat, path: path,
                               "tensor \(name): shape \(shape) of \(dtype) needs \(type.byteCount(elements: count)) bytes, the header gives \(offsets[1] - offsets[0])")
            }
            let bytes = try file.bytes((dataStart + offsets[0])..<(dataStart + offsets[1]), what: "tensor \(name)")
            try checkpoint.add(TensorRef(name: name, shape: shape, type: type, bytes: bytes, path: path))
        }
    }

    static func storageType(safetensorsDType dtype: String) -> StorageType? {
        switch dtype {
        case "F32": return .f32
        case "F16": return .f16
        case "BF16": return .bf16
        default: return nil
        }
    }
}
