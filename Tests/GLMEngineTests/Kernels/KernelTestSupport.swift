@testable import GLMEngine

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-scale, scale).
    mutating func float(_ scale: Float = 1) -> Float {
        (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * scale
    }

    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in float(scale) }
    }
}

/// A weight matrix of random values converted to `type`; keeps its buffer alive.
func randomMatrix(rows: Int, cols: Int, type: StorageType, seed: UInt64) -> WeightMatrix {
    var rng = SeededRandom(seed: seed)
    let values = rng.floats(rows * cols)
    let buffer = values.withUnsafeBufferPointer { v in
        Quant.quantize(v.baseAddress.unsafelyUnwrapped, rows: rows, cols: cols, to: type)
    }
    return WeightMatrix(rows: rows, cols: cols, type: type, data: UnsafeRawPointer(buffer.pointer), owner: buffer)
}

/// Sum over columns of |w| |x|: the scale that rounding differences are measured against.
func magnitudes(_ w: WeightMatrix, _ x: [Float]) -> [Float] {
    var row = [Float](repeating: 0, count: w.cols)
    return (0..<w.rows).map { r in
        row.withUnsafeMutableBufferPointer { Kernels.dequantizeRow(w, r, into: $0.baseAddress.unsafelyUnwrapped) }
        return zip(row, x).reduce(0) { $0 + abs($1.0 * $1.1) }
    }
}

func referenceMatVec(_ w: WeightMatrix, _ x: [Float]) -> [Float] {
    var y = [Float](repeating: 0, count: w.rows)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            ReferenceKernels.matVec(w, xp.baseAddress.unsafelyUnwrapped, yp.baseAddress.unsafelyUnwrapped, rows: 0..<w.rows)
        }
    }
    return y
}

func fastMatVec(_ w: WeightMatrix, _ x: [Float], _ ctx: ComputeContext) -> [Float] {
    var y = [Float](repeating: .nan, count: w.rows)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            Kernels.matVec(w, xp.baseAddress.unsafelyUnwrapped, yp.baseAddress.unsafelyUnwrapped, ctx)
        }
    }
    return y
}

/// `Kernels.matMul` over `n` rows of `x`; batches of at least `minBatchForBLAS` rows of float weights
/// go through OpenBLAS's sgemm.
func fastMatMul(_ w: WeightMatrix, _ x: [Float], n: Int, _ ctx: ComputeContext, minBatchForBLAS: Int) -> [Float] {
    var y = [Float](repeating: .nan, count: n * w.rows)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx,
                           minBatchForBLAS: minBatchForBLAS)
        }
    }
    return y
}
