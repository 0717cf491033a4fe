import Foundation

/// Converts tensors between storage types (minimal version: float types only).
public enum Quantizer {
    public static func dequantize(_ type: StorageType, _ src: UnsafeRawPointer, count: Int,
                                  into out: UnsafeMutablePointer<Float>) {
        ReferenceKernels.dequantize(type, src, count: count, into: out)
    }

    public static func convert(_ tensor: TensorRef, to type: StorageType, threads: ComputeContext) throws -> WeightMatrix {
        guard tensor.shape.count == 2, let base = tensor.bytes.baseAddress else {
            throw GLMError(.wrongShape, path: tensor.path, "tensor \(tensor.name) should be 2-D")
        }
        let rows = tensor.shape[0], cols = tensor.shape[1]
        guard type == .f32 || type == .f16 else {
            throw GLMError(.unsupported, path: tensor.path, "conversion to \(type) is not available")
        }
        let buffer = AlignedBuffer(byteCount: type.byteCount(elements: rows * cols))
        let srcRowBytes = tensor.type.byteCount(elements: cols)
        let row = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        defer { row.deallocate() }
        for r in 0..<rows {
            dequantize(tensor.type, base + r * srcRowBytes, count: cols, into: row)
            if type == .f32 {
                (buffer.pointer + r * cols * 4).copyMemory(from: row, byteCount: cols * 4)
            } else {
                let dst = (buffer.pointer + r * cols * 2).assumingMemoryBound(to: Float16.self)
                for c in 0..<cols { dst[c] = Float16(row[c]) }
            }
        }
        return WeightMatrix(rows: rows, cols: cols, type: type, data: buffer.pointer, owner: buffer)
    }
}
