import Testing
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

/// Expects `Kernels.matMul` over `n` random tokens (from `seed`) in one-byte tiles, where every tile is
/// the fewest rows the kernels take at once (so a matrix's last tile is short), to equal the product
/// in whole tiles.
func expectSmallestTilesCoverEveryRow(_ w: WeightMatrix, n: Int, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
    var rng = SeededRandom(seed: seed)
    let x = rng.floats(n * w.cols)
    let ctx = ComputeContext(threads: 2)
    var y = [Float](repeating: .nan, count: n * w.rows)
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in
            Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx,
                           minBatchForBLAS: 1, tileFloats: 5 * w.cols, batchTileBytes: 1)
        }
    }
    #expect(y == fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1), sourceLocation: sourceLocation)
}

/// silu(gate) * up of a gate-up product (`width` gate values, then `width` up values), on `ctx`'s path.
func siluGated(_ gateUp: [Float], width: Int, _ ctx: ComputeContext) -> [Float] {
    var out = [Float](repeating: 0, count: width)
    gateUp.withUnsafeBufferPointer { p in
        out.withUnsafeMutableBufferPointer { o in
            Kernels.siluGate(p.baseAddress.unsafelyUnwrapped, p.baseAddress.unsafelyUnwrapped + width, count: width,
                             into: o.baseAddress.unsafelyUnwrapped, path: ctx.path)
        }
    }
    return out
}

/// Expects every row of `y` = w x within rounding of the reference: 1e-5 of the row's sum of |w| |x|.
func expectWithinRounding(_ y: [Float], _ w: WeightMatrix, _ x: [Float], _ label: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    let reference = referenceMatVec(w, x), scale = magnitudes(w, x)
    for r in 0..<w.rows {
        #expect(abs(y[r] - reference[r]) <= 1e-5 * scale[r] + 1e-6, "\(label) row \(r)", sourceLocation: sourceLocation)
    }
}

/// `n` random tokens (from `seed`) through a packed matrix on `ctx`: the batch equals each token alone,
/// bit for bit, which equals the portable path's, and lies within rounding of the reference; `perToken`
/// adds checks of each token's input and result. Returns nothing: it records expectations.
func expectPackedProducts(_ w: WeightMatrix, n: Int, seed: UInt64, _ ctx: ComputeContext,
                          perToken: (_ x: [Float], _ y: [Float], _ label: String) -> Void = { _, _, _ in },
                          sourceLocation: SourceLocation = #_sourceLocation) {
    var rng = SeededRandom(seed: seed)
    let x = rng.floats(n * w.cols)
    let portable = ComputeContext(threads: 1, path: .portable)
    let batch = fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1)
    let shape = "\(ctx.path) \(w.rows) x \(w.cols)"
    for i in 0..<n {
        let xi = Array(x[i * w.cols..<(i + 1) * w.cols])
        let single = fastMatVec(w, xi, ctx)
        #expect(Array(batch[i * w.rows..<(i + 1) * w.rows]) == single, "\(shape) token \(i) of \(n)",
                sourceLocation: sourceLocation)
        #expect(single == fastMatVec(w, xi, portable), "\(shape) token \(i): the portable path",
                sourceLocation: sourceLocation)
        expectWithinRounding(single, w, xi, shape, sourceLocation: sourceLocation)
        perToken(xi, single, "\(shape) token \(i)")
    }
}

/// Expects every row of `packed`, back in ggml's layout, to hold the bytes of the same row of `rowMajor`.
func expectSameRows(_ packed: WeightMatrix, _ rowMajor: WeightMatrix, sourceLocation: SourceLocation = #_sourceLocation) {
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: rowMajor.rowBytes, alignment: 16)
    defer { scratch.deallocate() }
    for r in 0..<rowMajor.rows {
        let original = UnsafeRawBufferPointer(start: rowMajor.rowPointer(r), count: rowMajor.rowBytes)
        let unpacked = UnsafeRawBufferPointer(start: packed.ggmlRow(r, scratch: scratch), count: rowMajor.rowBytes)
        #expect(original.elementsEqual(unpacked), "\(rowMajor.rows) x \(rowMajor.cols) row \(r)", sourceLocation: sourceLocation)
    }
}
