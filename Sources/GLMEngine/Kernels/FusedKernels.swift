import CKernels
import Foundation

extension Kernels {
    /// out[rows][width] = silu(gate) * up, with (gate, up) = the first and second halves of
    /// W x for each of `rows` inputs, W being [2 width, cols] (ChatGLM's dense_h_to_4h).
    /// One token with Q4_0 / Q8_0 weights (`matVecSwiGLU`): each thread computes a slice of gate
    /// rows, the matching up rows and their SwiGLU in one job, while the values are in cache,
    /// instead of a single-threaded pass over the whole product afterwards. The products are
    /// `matVec`'s exactly. `gateUp` is scratch of 2 width floats per input.
    public static func matMulSwiGLU(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rows: Int, width: Int,
                                    gateUp: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                                    _ ctx: ComputeContext) {
        if rows == 1 {
            matVecSwiGLU(w, .plain(x), width: width, gateUp: gateUp, into: out, ctx)
            return
        }
        precondition(w.rows == 2 * width, "gate-up matrix has \(w.rows) rows, not 2 x \(width)")
        let path = ctx.path
        matMul(w, x, n: rows, gateUp, ctx)
        ctx.parallelFor(rows) { range in
            for r in range {
                let gate = gateUp + r * 2 * width
                siluGate(gate, gate + width, count: width, into: out + r * width, path: path)
            }
        }
    }

    /// `matMulSwiGLU` for one input, which may be normalized on the way (see `matVec`).
    /// With `next` (the matrix that multiplies `out`), when its kernel reads only the group layout,
    /// each thread also quantizes its slice of `out` for it, in whole 32-element blocks, and the
    /// activation is returned for `quantizedMatVec`: the quantizing is then spread over the threads
    /// instead of running on one between the two products. Otherwise nil.
    @discardableResult
    static func matVecSwiGLU(_ w: WeightMatrix, _ input: MatVecInput, width: Int,
                             gateUp: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>,
                             _ ctx: ComputeContext, quantizedFor next: WeightMatrix? = nil) -> QuantizedActivation? {
        precondition(w.rows == 2 * width, "gate-up matrix has \(w.rows) rows, not 2 x \(width)")
        let path = ctx.path
        guard w.type.isBlockQuantized && ck_pool_in_job() == 0 else {
            matVec(w, input, gateUp, ctx)
            siluGate(gateUp, gateUp + width, count: width, into: out, path: path)
            return nil
        }
        let act = ctx.activation
        quantize(input, count: w.cols, for: w, into: act, ctx)
        packLanes(act, for: w, path)
        var cx = act.cView
        // an item is a gate row and its up row
        let itemBytes = 2 * w.rowBytes
        func rows(_ slice: Range<Int>, _ cx: UnsafePointer<ck_q8_act>) {
            quantizedRows(w, slice, cx, act, gateUp, path)
            quantizedRows(w, (width + slice.lowerBound)..<(width + slice.upperBound), cx, act, gateUp, path)
            siluGate(gateUp + slice.lowerBound, gateUp + width + slice.lowerBound, count: slice.count,
                     into: out + slice.lowerBound, path: path)
        }
        if let next, readsGroupsOnly(next, path), next.cols == width, width % QuantBlock.elements == 0 {
            let chained = ctx.chainedActivation
            chained.prepareGroups(count: width)
            let block = QuantBlock.elements
            withUnsafePointer(to: &cx) { cx in
                ctx.parallelForWeights(width / block, itemBytes: block * itemBytes) { blocks in
                    rows(blocks.lowerBound * block..<blocks.upperBound * block, cx)
                    chained.fillGroups(out, blocks: blocks)
                }
            }
            return chained
        }
        withUnsafePointer(to: &cx) { cx in
            ctx.parallelForWeights(width, itemBytes: itemBytes, alignment: w.rowAlignment) { slice in rows(slice, cx) }
        }
        return nil
    }

    /// out = silu(a) * b, with the vectorized exp where the CPU has AVX2.
    static func siluGate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
                         into out: UnsafeMutablePointer<Float>, path: KernelPath) {
        #if arch(x86_64)
        if path.hasF16C { return ck_silu_gate_avx2(a, b, Int64(count), out) }
        #endif
        siluGate(a, b, count: count, into: out)
    }
}
