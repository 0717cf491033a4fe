import COpenBLAS
import Foundation

extension Kernels {
    /// Floats of dequantized weights per sgemm tile (64 MB): big enough for sgemm to run at full
    /// speed, small enough that the output layer of a 6B model does not need a float copy.
    static let tileFloatBudget = 16 << 20

    /// Y[n, rows] = X[n, cols] W^T: the batched form used when a prompt is read.
    /// Batches of at least `minBatchForBLAS` rows dequantize tiles of W and call OpenBLAS sgemm
    /// (run with the context's thread count while our own workers sleep); smaller batches repeat
    /// `matVec`, which reads the weights in their compact form.
    public static func matMul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext, minBatchForBLAS: Int = 8) {
        matMul(w, x, n: n, y, ctx, minBatchForBLAS: minBatchForBLAS, tileFloats: tileFloatBudget)
    }

    static func matMul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                       _ ctx: ComputeContext, minBatchForBLAS: Int, tileFloats: Int) {
        guard n > 0 else { return }
        if n < minBatchForBLAS {
            for i in 0..<n { matVec(w, x + i * w.cols, y + i * w.rows, ctx) }
            return
        }
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
                for r in rows { dequantizeRow(w, base + r, into: tile + r * cols) }
            }
            ctx.quiesce()
            sgemm(n: n, tileRows: count, cols: cols, x: x, tile: tile, y: y + first, ldy: w.rows)
            first += count
        }
    }

    /// Y[n, tileRows] (row stride ldy) = X[n, cols] T^T with T [tileRows, cols] row-major.
    private static func sgemm(n: Int, tileRows: Int, cols: Int, x: UnsafePointer<Float>, tile: UnsafePointer<Float>,
                              y: UnsafeMutablePointer<Float>, ldy: Int) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(n), blasint(tileRows), blasint(cols),
                    1, x, blasint(cols), tile, blasint(cols), 0, y, blasint(ldy))
    }
}
