import Foundation

/// Reads `.safetensors` files: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data. Tensors are used in place from the mapping.
public enum SafetensorsReader {
    /// Adds every tensor of one file to `checkpoint`.
    public static func read(path: String, into checkpoint: Checkpoint) throws {
        let file = try MappedFile(path: path)
        checkpoint.retain(file)
        let lengthBytes = try file.bytes(0..<8, what: "the safetensors header length")
        let rawLength = UInt64(littleEndian: lengthBytes.loadUnaligned(as: UInt64.self))
        guard rawLength > 1, rawLength < maxHeaderBytes else {
            throw GLMError(.badMagic, path: path,
                           "not a safetensors file (header length \(rawLength) is implausible)")
        }
        let headerLength = Int(rawLength)
        let header = try file.bytes(8..<(8 + headerLength), what: "the safetensors JSON header")
        guard case .object(let entries) = try JSONValue.parse(bytes: header, source: path) else {
            throw GLMError(.badFormat, path: path, "the safetensors header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        for (name, value) in entries where !name.isByteEqual(to: "__metadata__") {
            let tensor = try entry(name, value, path: path)
            let (start, startOverflow) = dataStart.addingReportingOverflow(tensor.begin)
            let (end, endOverflow) = dataStart.addingReportingOverflow(tensor.end)
            guard !startOverflow, !endOverflow else {
                throw GLMError(.badFormat, path: path, "tensor \(name): byte range \(tensor.begin)..<\(tensor.end) is impossible")
            }
            let bytes = try file.bytes(start..<end, what: "tensor \(name)")
            try checkpoint.add(TensorRef(name: name, shape: tensor.shape, type: tensor.type, bytes: bytes, path: path))
        }
    }

    /// A header bigger than this is damage, not a model (real headers are tens of kilobytes).
    static let maxHeaderBytes: UInt64 = 100_000_000

    /// One header entry, checked: a known dtype, a shape whose size fits, and a byte range that holds it exactly.
    private static func entry(_ name: String, _ value: JSONValue, path: String) throws -> (type: StorageType, shape: [Int], begin: Int, end: Int) {
        func bad(_ problem: String) -> GLMError { GLMError(.badFormat, path: path, "tensor \(name): \(problem)") }
        guard let dtype = value["dtype"]?.stringValue, let shapeValues = value["shape"]?.arrayValue,
              let offsetValues = value["data_offsets"]?.arrayValue, offsetValues.count == 2 else {
            throw bad("malformed header entry (it needs dtype, shape and two data_offsets)")
        }
        let shape = try shapeValues.map { item -> Int in
            guard case .int(let n) = item else { throw bad("the shape holds \(item), not an integer") }
            return n
        }
        let offsets = try offsetValues.map { item -> Int in
            guard case .int(let n) = item else { throw bad("data_offsets holds \(item), not an integer") }
            return n
        }
        guard let type = storageType(safetensorsDType: dtype) else {
            throw GLMError(.unsupported, path: path, "tensor \(name) has dtype \(dtype); supported are F32, F16 and BF16")
        }
        guard offsets[0] >= 0, offsets[1] >= offsets[0] else { throw bad("negative byte range \(offsets)") }
        guard let count = TensorRef.elementCount(of: shape), count <= ByteCursor.plausibleLimit else {
            throw bad("impossible shape \(shape)")
        }
        let needed = type.byteCount(elements: count)
        guard offsets[1] - offsets[0] == needed else {
            throw bad("shape \(shape) of \(dtype) needs \(needed) bytes, the header gives \(offsets[1] - offsets[0])")
        }
        return (type, shape, offsets[0], offsets[1])
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
