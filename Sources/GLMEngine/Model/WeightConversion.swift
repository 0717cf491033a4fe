import Foundation

/// Turns checkpoint tensors into what the forward pass runs on.
enum WeightConversion {
    /// A 2-D tensor as a matrix of `type`. The bytes are used in place when the file already stores that type;
    /// `owner` (the checkpoint) keeps the file mapping alive.
    static func matrix(_ tensor: TensorRef, as type: StorageType, owner: AnyObject,
                       threads: ComputeContext) throws -> WeightMatrix {
        guard tensor.shape.count == 2 else {
            throw GLMError(.wrongShape, path: tensor.path, "tensor \(tensor.name) should be 2-D, has shape \(tensor.shape)")
        }
        let rows = tensor.shape[0], cols = tensor.shape[1]
        if type.isBlockQuantized || tensor.type.isBlockQuantized, cols % 32 != 0 {
            throw GLMError(.wrongShape, path: tensor.path,
                           "tensor \(tensor.name) has \(cols) columns; \(type) needs a multiple of 32")
        }
        try checkFinite(tensor)
        if tensor.type == type, let base = tensor.bytes.baseAddress {
            return WeightMatrix(rows: rows, cols: cols, type: type, data: base, owner: owner)
        }
        return try Quantizer.convert(tensor, to: type, threads: threads)
    }

    /// A 1-D tensor (a norm weight or a bias) as f32.
    static func vector(_ tensor: TensorRef) throws -> [Float] {
        guard tensor.shape.count == 1, !tensor.type.isBlockQuantized, let base = tensor.bytes.baseAddress else {
            throw GLMError(.wrongShape, path: tensor.path,
                           "tensor \(tensor.name) should be a 1-D float vector, has shape \(tensor.shape) of \(tensor.type)")
        }
        let values = [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, count in
            if let out = buffer.baseAddress {
                ReferenceKernels.dequantize(tensor.type, base, count: tensor.elementCount, into: out)
            }
            count = tensor.elementCount
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw GLMError(.badValue, path: tensor.path, "tensor \(tensor.name) holds \(values[bad]) at element \(bad)")
        }
        return values
    }

    /// Weights with NaN or Inf would silently poison every answer; refuse them with the tensor's name.
    static func checkFinite(_ tensor: TensorRef) throws {
        guard let base = tensor.bytes.baseAddress else { return }
        let cols = tensor.shape.last ?? tensor.elementCount
        let rows = cols == 0 ? 0 : tensor.elementCount / cols
        let rowBytes = tensor.type.byteCount(elements: cols)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: max(cols, 1))
        defer { row.deallocate() }
        for r in 0..<rows {
            Quantizer.dequantize(tensor.type, base + r * rowBytes, count: cols, into: row)
            for c in 0..<cols where !row[c].isFinite {
                throw GLMError(.badValue, path: tensor.path,
                               "tensor \(tensor.name) holds \(row[c]) at row \(r), column \(c)")
            }
        }
    }
}
