import Foundation

/// The 1-D tensors of the model (norm weights and the qkv bias), kept as f32 whatever the matrix type.
enum NormWeights {
    static func vector(_ tensor: TensorRef) throws -> [Float] {
        guard tensor.shape.count == 1, !tensor.type.isBlockQuantized, let base = tensor.bytes.baseAddress else {
            throw GLMError(.wrongShape, path: tensor.path,
                           "tensor \(tensor.name) should be a 1-D float vector, has shape \(tensor.shape) of \(tensor.type)")
        }
        let values = [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, count in
            if let out = buffer.baseAddress {
                QuantRow.dequantize(tensor.type, base, count: tensor.elementCount, into: out)
            }
            count = tensor.elementCount
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw GLMError(.badValue, path: tensor.path, "tensor \(tensor.name) holds \(values[bad]) at element \(bad)")
        }
        return values
    }
}
