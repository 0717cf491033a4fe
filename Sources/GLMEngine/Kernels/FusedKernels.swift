import CKernels
import Foundation

extension Kernels {
    /// out[rows][width] = silu(gate) * up, with (gate, up) = the first and second halves of
    /// W x for each of `rows` inputs, W being [2 width, cols] (ChatGLM's dense_h_to_4h).
    /// One token with Q4_0 / Q8_0 weights: each thread computes a slice of gate rows, the matching
    /// up rows and their SwiGLU in one job, while the values are in cache, instead of a
    /// single-threaded pass over the whole product afterwards. The products are `matVec`'s exactly.
    /// `gateUp` is scratch of 2 width floats per input.
    public static func matMulSwiGLU(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rows: Int, width: Int,
                                    gateUp: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                    _ ctx: ComputeContext) {
        precondition(w.rows == 2 * width, "gate-up matrix has \(w.rows) rows, not 2 x \(width)")
        let path = ctx.path
        if rows == 1 && w.type.isBlockQuantized && ck_pool_in_job() == 0 {
            let act = ctx.activation
            act.quantize(x, count: w.cols, vectorized: path.hasF16C)
            var cx = act.cView
            withUnsafePointer(to: &cx) { cx in
                // an item is a gate row and its up row
                ctx.parallelFor(width, minChunk: ComputeContext.minChunkRows(rowBytes: 2 * w.rowBytes)) { slice in
                    quantizedRows(w, slice, cx, act, gateUp, path)
                    quantizedRows(w, (width + slice.lowerBound)..<(width + slice.upperBound), cx, act, gateUp, path)
                    siluGate(gateUp + slice.lowerBound, gateUp + width + slice.lowerBound, count: slice.count,
                             into: out + slice.lowerBound, path: path)
                }
            }
            return
        }
        if rows == 1 { matVec(w, x, gateUp, ctx) } else { matMul(w, x, n: rows, gateUp, ctx) }
        ctx.parallelFor(rows) { range in
            for r in range {
                let gate = gateUp + r * 2 * width
                siluGate(gate, gate + width, count: width, into: out + r * width, path: path)
            }
        }
    }

    /// out = silu(a) * b, with the vectorized exp where the CPU has AVX2.
    static func siluGate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                         into out: UnsafeMutablePointer<Float>, path: KernelPath) {
        if path.hasF16C {
            ck_silu_gate_avx2(a, b, Int64(count), out)
        } else {
            siluGate(a, b, count: count, into: out)
        }
    }
}
