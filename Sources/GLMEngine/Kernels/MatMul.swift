import CKernels
import COpenBLAS
import Foundation

extension Kernels {
    /// Floats of dequantized weights per sgemm tile (64 MB): big enough for sgemm to run at full
    /// speed, small enough that the output layer of a 6B model does not need a float copy.
    static let tileFloatBudget = 16 << 20

    /// Y[n, rows] = X[n, cols] W^T: the batched form used when a prompt is read.
    /// Q4_0 / Q8_0 weights: every token's activation is quantized once, and the rows go in tiles
    /// small enough to stay in L2 while every token is applied to them, so the weights come from
    /// memory once per batch and each result is bit-identical to `matVec`'s. (Measured: a
    /// dequantize + sgemm path spent more time dequantizing than this path spends in total.)
    /// F32 / F16 / BF16 weights: batches of at least `minBatchForBLAS` tokens call OpenBLAS sgemm
    /// (on float tiles of W, with the context's thread count while our own workers sleep);
    /// smaller batches repeat `matVec`.
    public static func matMul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext, minBatchForBLAS: Int = 8) {
        matMul(w, x, n: n, y, ctx, minBatchForBLAS: minBatchForBLAS, tileFloats: tileFloatBudget,
               batchTileBytes: batchTileBytes)
    }

    static func matMul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                       _ ctx: ComputeContext, minBatchForBLAS: Int, tileFloats: Int, batchTileBytes: Int) {
        guard n > 0 else { return }
        if w.type.isBlockQuantized && n > 1 {
            quantizedBatch(w, x, n: n, y, ctx, tileBytes: batchTileBytes)
            return
        }
        if n < minBatchForBLAS || w.type.isBlockQuantized {
            for i in 0..<n { matVec(w, x + i * w.cols, y + i * w.rows, ctx) }
            return
        }
        _ = OpenBLASCore.upgrade // once, before the first sgemm: its kernels for this CPU
        if openblas_get_num_threads() != Int32(ctx.threads) { openblas_set_num_threads(Int32(ctx.threads)) }
        if w.type == .f32 {
            ctx.quiesce()
            sgemm(n: n, tileRows: w.rows, cols: w.cols, x: x, tile: w.data.assumingMemoryBound(to: Float.self),
                  y: y, ldy: w.rows)
            return
        }
        let cols = w.cols
        let tileRows = max(1, min(w.rows, tileFloats / cols))
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * cols)
        defer { tile.deallocate() }
        var first = 0
        while first < w.rows {
            let count = min(tileRows, w.rows - first)
            let base = first
            ctx.parallelFor(count) { rows in
                for r in rows { dequantizeRow(w, base + r, into: tile + r * cols, path: ctx.path) }
            }
            ctx.quiesce()
            sgemm(n: n, tileRows: count, cols: cols, x: x, tile: tile, y: y + first, ldy: w.rows)
            first += count
        }
    }

    /// Weight bytes per tile of the batched quantized path: fits L2 beside the activations.
    static let batchTileBytes = 256 << 10

    private static func quantizedBatch(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int,
                                       _ y: UnsafeMutablePointer<Float>, _ ctx: ComputeContext, tileBytes: Int) {
        if w.type.kquantKernelType != nil {
            KQuantKernels.batch(w, x, n: n, y, ctx, tileBytes: tileBytes)
            return
        }
        ctx.reserveBatchActivations(n)
        let acts = ctx.batchActivations
        let path = ctx.path
        ctx.parallelFor(n) { tokens in
            for t in tokens { acts[t].quantize(x + t * w.cols, count: w.cols, vectorized: path.hasF16C) }
        }
        var views = acts.prefix(n).map(\.cView)
        #if arch(x86_64)
        if w.type == .q4_0 && w.layout == .rowMajor && ctx.usesAMX && n >= amxMinTokens {
            views.withUnsafeBufferPointer { views in
                guard let first = views.baseAddress else { return }
                amxBatch(w, first, n: n, y, ctx, tileBytes: tileBytes)
            }
            return
        }
        #endif
        // whole groups of four rows (the row kernels' step), or of eight (a matrix in groups of eight)
        let unit = max(4, w.rowAlignment)
        let tileRows = max(unit, tileBytes / w.rowBytes / unit * unit)
        let tiles = (w.rows + tileRows - 1) / tileRows
        #if arch(x86_64)
        let kernel = batchKernel(w.type, path)
        #endif
        views.withUnsafeMutableBufferPointer { views in
            guard let first = views.baseAddress else { return }
            ctx.parallelFor(tiles) { range in
                for tile in range {
                    let rows = tile * tileRows..<min(w.rows, (tile + 1) * tileRows)
                    if w.layout == .groupsOfEight {
                        rowGroups(w, rows, first, count: n, y, ldy: w.rows, path)
                        continue
                    }
                    if w.layout == .quadLanes {
                        quadLaneRows(w, rows, first, count: n, y, ldy: w.rows, path)
                        continue
                    }
                    #if arch(x86_64)
                    if let kernel {
                        kernel(w.rowPointer(rows.lowerBound), w.rowBytes, Int64(rows.count), first, Int64(n),
                               y + rows.lowerBound, Int64(w.rows))
                        continue
                    }
                    #endif
                    for t in 0..<n { quantizedRows(w, rows, first + t, acts[t], y + t * w.rows, path) }
                }
            }
        }
    }

    #if arch(x86_64)
    typealias BatchKernel = @convention(c) (UnsafeRawPointer?, Int, Int64, UnsafePointer<ck_q8_act>?, Int64,
                                            UnsafeMutablePointer<Float>?, Int64) -> Void

    /// The kernel that takes a tile of rows for all the tokens at once, unpacking each weight once per
    /// group of tokens (bit-identical to `quantizedRows` token by token); nil where only the
    /// single-token kernel exists.
    static func batchKernel(_ type: StorageType, _ path: KernelPath) -> BatchKernel? {
        switch (type, path) {
        case (.q4_0, .avx512vbmi): return ck_matmul_q4_0_avx512vbmi
        case (.q4_0, .avx512vnni): return ck_matmul_q4_0_avx512vnni
        case (.q4_0, .avx2): return ck_matmul_q4_0_avx2
        case (.q8_0, .avx512vbmi), (.q8_0, .avx512vnni): return ck_matmul_q8_0_avx512vnni
        case (.q8_0, .avx2): return ck_matmul_q8_0_avx2
        default: return nil
        }
    }
    #endif

    /// Y[n, tileRows] (row stride ldy) = X[n, cols] T^T with T [tileRows, cols] row-major.
    private static func sgemm(n: Int, tileRows: Int, cols: Int, x: UnsafePointer<Float>, tile: UnsafePointer<Float>,
                              y: UnsafeMutablePointer<Float>, ldy: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(tileRows), blasint(cols),
                    1, x, blasint(cols), tile, blasint(cols), 0, y, blasint(ldy))
    }
}
