import Foundation

extension WeightMatrix {
    /// A weight matrix from a checkpoint tensor, stored as `target` (f32, f16, q8_0 or q4_0).
    /// When the tensor is already `target`, suitably aligned, and `owner` (the object keeping the
    /// tensor's file mapping alive) is given, the bytes are used in place; otherwise they are
    /// converted (or copied) into an aligned buffer, using `ctx`'s threads (or all physical cores
    /// for big tensors when no context is given).
    /// Throws when the tensor is not 2-D, when block types meet a column count that is not a
    /// multiple of 32, when the byte count disagrees with the shape, or when any value is NaN/Inf.
    public static func make(from t: TensorRef, as target: StorageType, owner: AnyObject? = nil,
                            ctx: ComputeContext? = nil) throws -> WeightMatrix {
        guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] > 0 else {
            throw GLMError(.wrongShape, path: t.path, "tensor \(t.name) has shape \(t.shape); a weight matrix must be 2-D [rows, cols]")
        }
        guard target != .bf16 else {
            throw GLMError(.unsupported, path: t.path, "tensor \(t.name): weights are kept as f32, f16, q8_0 or q4_0, not bf16")
        }
        guard target.isWritable || target == t.type else {
            throw GLMError(.unsupported, path: t.path,
                           "tensor \(t.name) is \(t.type.rawValue): glmchat converts weights to f32, f16, q8_0 or q4_0, not \(target.rawValue)")
        }
        let rows = t.shape[0], cols = t.shape[1]
        for type in [t.type, target] where cols % type.blockElements != 0 {
            throw GLMError(.wrongShape, path: t.path,
                           "tensor \(t.name) has \(cols) columns; \(type.rawValue) needs a multiple of \(type.blockElements)")
        }
        let sourceRowBytes = t.type.byteCount(elements: cols)
        guard t.bytes.count == rows * sourceRowBytes, let source = t.bytes.baseAddress else {
            throw GLMError(.badFormat, path: t.path,
                           "tensor \(t.name) holds \(t.bytes.count) bytes but \(t.shape) as \(t.type.rawValue) needs \(rows * sourceRowBytes)")
        }
        let ctx = ctx ?? ComputeContext(threads: rows * cols >= 1 << 20 ? ComputeContext.physicalCores : 1)
        if let row = firstNonFiniteRow(source, type: t.type, rows: rows, cols: cols, ctx: ctx) {
            throw GLMError(.badValue, path: t.path, "tensor \(t.name) contains NaN or Inf (row \(row))")
        }
        if t.type == target, let owner, Int(bitPattern: source) % target.elementAlignment == 0 {
            return WeightMatrix(rows: rows, cols: cols, type: target, data: source, owner: owner)
        }
        let targetRowBytes = target.byteCount(elements: cols)
        let buffer = AlignedBuffer(byteCount: rows * targetRowBytes)
        let destination = buffer.pointer
        ctx.parallelFor(rows) { range in
            if t.type == target {
                destination.advanced(by: range.lowerBound * targetRowBytes)
                    .copyMemory(from: source + range.lowerBound * sourceRowBytes, byteCount: range.count * targetRowBytes)
                return
            }
            let floats = UnsafeMutablePointer<Float>.allocate(capacity: cols)
            defer { floats.deallocate() }
            for r in range {
                FastQuantRow.dequantize(t.type, source + r * sourceRowBytes, count: cols, into: floats, path: ctx.path)
                FastQuantRow.quantize(floats, count: cols, to: target, into: destination + r * targetRowBytes, path: ctx.path)
            }
        }
        return WeightMatrix(rows: rows, cols: cols, type: target, data: UnsafeRawPointer(destination), owner: buffer)
    }

    /// The first row holding a NaN or infinity (for block types: in a block scale), or nil.
    static func firstNonFiniteRow(_ data: UnsafeRawPointer, type: StorageType, rows: Int, cols: Int,
                                  ctx: ComputeContext) -> Int? {
        let rowBytes = type.byteCount(elements: cols)
        let bad = UnsafeMutablePointer<Bool>.allocate(capacity: rows)
        defer { bad.deallocate() }
        ctx.parallelFor(rows) { range in
            for r in range { bad[r] = !rowIsFinite(data + r * rowBytes, type: type, cols: cols) }
        }
        return (0..<rows).first { bad[$0] }
    }

    private static func rowIsFinite(_ row: UnsafeRawPointer, type: StorageType, cols: Int) -> Bool {
        switch type {
        case .f32:
            for i in 0..<cols where row.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) & 0x7F80_0000 == 0x7F80_0000 {
                return false
            }
        case .f16:
            for i in 0..<cols where HalfFloat.f16IsNonFinite(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) {
                return false
            }
        case .bf16:
            for i in 0..<cols where HalfFloat.bf16IsNonFinite(row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) {
                return false
            }
        default:
            let geometry = GGMLBlockGeometry.of(type)
            for b in 0..<(cols / geometry.elements) {
                for offset in geometry.halfOffsets
                where HalfFloat.f16IsNonFinite(row.loadUnaligned(fromByteOffset: b * geometry.bytes + offset, as: UInt16.self)) {
                    return false
                }
            }
        }
        return true
    }
}

extension StorageType {
    /// The alignment the kernels want for in-place data (element loads of f32 / f16).
    var elementAlignment: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        default: return 1
        }
    }
}
