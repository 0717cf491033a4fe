import CKernels
import Foundation

/// The matrix kernels the forward pass calls. Each dispatches on the weight's storage type and on
/// the context's `KernelPath`; rows are split across the context's threads, so results do not
/// depend on the thread count. A context serves one caller at a time; calls made from inside a
/// `parallelFor` body run on that thread alone.
public enum Kernels {
    /// y[rows] = W x, with x of `w.cols` floats. Q4_0 / Q8_0 weights quantize x to Q8_0 once and use
    /// integer dot products, as ggml does.
    public static func matVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext) {
        switch w.type {
        case .q4_0, .q8_0:
            // the context's scratch is shared; a call from inside a parallel job gets its own
            let act = ck_pool_in_job() != 0 ? QuantizedActivation() : ctx.activation
            act.quantize(x, count: w.cols, vectorized: ctx.path.hasF16C)
            var cx = act.cView
            let path = ctx.path
            withUnsafePointer(to: &cx) { cx in
                ctx.parallelFor(w.rows, minChunk: ComputeContext.minChunkRows(rowBytes: w.rowBytes)) { rows in
                    quantizedRows(w, rows, cx, act, y, path)
                }
            }
        case .f32, .f16:
            let path = ctx.path
            ctx.parallelFor(w.rows, minChunk: ComputeContext.minChunkRows(rowBytes: w.rowBytes)) { rows in
                floatRows(w, rows, x, y, path)
            }
        case .bf16:
            ctx.parallelFor(w.rows) { rows in
                ReferenceKernels.matVec(w, x, y, rows: rows)
            }
        }
    }

    /// Writes row `row` of `w` as floats.
    public static func dequantizeRow(_ w: WeightMatrix, _ row: Int, into out: UnsafeMutablePointer<Float>,
                                     path: KernelPath = .best) {
        if w.type == .f16 && path.hasF16C {
            ck_f16_to_f32_avx2(w.rowPointer(row).assumingMemoryBound(to: UInt16.self), out, Int64(w.cols))
            return
        }
        QuantRow.dequantize(w.type, w.rowPointer(row), count: w.cols, into: out)
    }

    static func quantizedRows(_ w: WeightMatrix, _ rows: Range<Int>, _ cx: UnsafePointer<ck_q8_act>,
                                      _ act: QuantizedActivation, _ y: UnsafeMutablePointer<Float>, _ path: KernelPath) {
        let start = w.rowPointer(rows.lowerBound)
        let n = Int64(rows.count)
        let out = y + rows.lowerBound
        switch (w.type, path) {
        case (.q4_0, .avx512vbmi): ck_matvec_q4_0_avx512vbmi(start, w.rowBytes, n, cx, out)
        case (.q4_0, .avx512vnni): ck_matvec_q4_0_avx512vnni(start, w.rowBytes, n, cx, out)
        case (.q4_0, .avx2): ck_matvec_q4_0_avx2(start, w.rowBytes, n, cx, out)
        case (.q8_0, .avx512vnni), (.q8_0, .avx512vbmi): ck_matvec_q8_0_avx512vnni(start, w.rowBytes, n, cx, out)
        case (.q8_0, .avx2): ck_matvec_q8_0_avx2(start, w.rowBytes, n, cx, out)
        default:
            for r in rows { y[r] = PortableKernels.dot(w.type, w.rowPointer(r), act) }
        }
    }

    private static func floatRows(_ w: WeightMatrix, _ rows: Range<Int>, _ x: UnsafePointer<Float>,
                                  _ y: UnsafeMutablePointer<Float>, _ path: KernelPath) {
        let n = Int64(rows.count)
        let cols = Int64(w.cols)
        let out = y + rows.lowerBound
        let start = w.rowPointer(rows.lowerBound)
        switch (w.type, path) {
        case (.f32, .avx512vnni), (.f32, .avx512vbmi):
            ck_matvec_f32_avx512(start.assumingMemoryBound(to: Float.self), n, cols, x, out)
        case (.f32, .avx2):
            ck_matvec_f32_avx2(start.assumingMemoryBound(to: Float.self), n, cols, x, out)
        case (.f16, .avx512vnni), (.f16, .avx512vbmi):
            ck_matvec_f16_avx512(start.assumingMemoryBound(to: UInt16.self), n, cols, x, out)
        case (.f16, .avx2):
            ck_matvec_f16_avx2(start.assumingMemoryBound(to: UInt16.self), n, cols, x, out)
        case (.f32, _):
            for r in rows { y[r] = PortableKernels.dot(w.rowPointer(r).assumingMemoryBound(to: Float.self), x, count: w.cols) }
        default:
            for r in rows { y[r] = PortableKernels.dotF16(w.rowPointer(r), x, count: w.cols) }
        }
    }
}
