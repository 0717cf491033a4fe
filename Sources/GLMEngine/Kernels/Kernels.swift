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
        matVec(w, .plain(x), y, ctx)
    }

    /// y[rows] = W input. A normalized input is quantized as it is computed where the kernel reads
    /// only the group layout (the 512-bit Q4_0 path): the norm and the quantizing are one pass over
    /// the vector, and nothing is stored between them.
    /// `then` runs on each thread's rows of y as soon as they are computed (see `RowEpilogue`).
    public static func matVec(_ w: WeightMatrix, _ input: MatVecInput, _ y: UnsafeMutablePointer<Float>,
                              _ ctx: ComputeContext, then epilogue: RowEpilogue = .none) {
        switch w.type {
        case .q4_0, .q8_0, .q4_1, .q5_0, .q5_1, .iq4_nl, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs:
            // the context's scratch is shared; a call from inside a parallel job gets its own
            let act = ck_pool_in_job() != 0 ? QuantizedActivation() : ctx.activation
            quantize(input, count: w.cols, for: w, into: act, ctx)
            quantizedMatVec(w, act, y, ctx, then: epilogue)
        case .f32, .f16:
            let x = input.materialized(count: w.cols)
            let path = ctx.path
            ctx.parallelForWeights(w.rows, itemBytes: w.rowBytes) { rows in
                floatRows(w, rows, x, y, path)
                epilogue.apply(y, rows)
            }
        case .bf16:
            let x = input.materialized(count: w.cols)
            ctx.parallelFor(w.rows) { rows in
                ReferenceKernels.matVec(w, x, y, rows: rows)
                epilogue.apply(y, rows)
            }
        }
    }

    /// y[rows] = W act, with `act` already quantized for `w` (see `quantize(_:count:for:into:_:)`).
    static func quantizedMatVec(_ w: WeightMatrix, _ act: QuantizedActivation, _ y: UnsafeMutablePointer<Float>,
                                _ ctx: ComputeContext, then epilogue: RowEpilogue = .none) {
        var cx = act.cView
        let path = ctx.path
        packLanes(act, for: w, path)
        withUnsafePointer(to: &cx) { cx in
            ctx.parallelForWeights(w.rows, itemBytes: w.rowBytes, alignment: w.rowAlignment) { rows in
                quantizedRows(w, rows, cx, act, y, path)
                epilogue.apply(y, rows)
            }
        }
    }

    /// Whether the kernel for `w` on `path` reads only the group layout of its activations (the
    /// 512-bit Q4_0 kernels, and every kernel of a matrix in quad lanes).
    static func readsGroupsOnly(_ w: WeightMatrix, _ path: KernelPath) -> Bool {
        w.type == .q4_0 && (w.layout == .quadLanes || w.layout == .rowMajor && path == .avx512vbmi)
    }

    /// Quantizes `input` into `act` in the layouts the kernel for `w` reads.
    static func quantize(_ input: MatVecInput, count: Int, for w: WeightMatrix, into act: QuantizedActivation,
                         _ ctx: ComputeContext) {
        if w.type.usesSuperBlockActivation {
            act.quantize(input.materialized(count: count), count: count, for: w.type, vectorized: ctx.path.hasF16C)
            return
        }
        guard readsGroupsOnly(w, ctx.path) else {
            act.quantize(input.materialized(count: count), count: count, vectorized: ctx.path.hasF16C)
            return
        }
        act.prepareGroups(count: count)
        switch input {
        case .plain(let x):
            act.fillGroups(x, blocks: 0..<act.blocks)
        case .rmsNormalized(let x, let weight, let eps, _):
            act.fillGroups(x, blocks: 0..<act.blocks, norm: (weight, rmsScale(x, eps: eps, count: count)))
        }
    }

    /// Writes row `row` of `w` as floats.
    public static func dequantizeRow(_ w: WeightMatrix, _ row: Int, into out: UnsafeMutablePointer<Float>,
                                     path: KernelPath = .best) {
        #if arch(x86_64)
        if w.type == .f16 && path.hasF16C {
            return ck_f16_to_f32_avx2(w.rowPointer(row).assumingMemoryBound(to: UInt16.self), out, Int64(w.cols))
        }
        #endif
        guard w.layout == .rowMajor else {
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: w.ggmlRowBytes, alignment: 16)
            defer { scratch.deallocate() }
            return QuantRow.dequantize(w.type, w.ggmlRow(row, scratch: scratch), count: w.cols, into: out)
        }
        QuantRow.dequantize(w.type, w.rowPointer(row), count: w.cols, into: out)
    }

    static func quantizedRows(_ w: WeightMatrix, _ rows: Range<Int>, _ cx: UnsafePointer<ck_q8_act>,
                                      _ act: QuantizedActivation, _ y: UnsafeMutablePointer<Float>, _ path: KernelPath) {
        if w.type.kquantKernelType != nil {
            KQuantKernels.rows(w, rows, act, y, path)
            return
        }
        precondition(!act.groupsOnly || readsGroupsOnly(w, path), "activation quantized for another kernel")
        if w.layout == .groupsOfEight {
            return rowGroups(w, rows, cx, count: 1, y, ldy: 0, path)
        }
        if w.layout == .quadLanes {
            #if arch(x86_64)
            if path == .avx512vbmi, let lanes = act.packedLanes {
                return ck_matvec_q4_0_quad_lanes_packed(w.quadLaneRowPointer(rows.lowerBound), w.rowBytes,
                                                        Int64(rows.count), lanes, Int64(act.blocks), y + rows.lowerBound)
            }
            #endif
            return quadLaneRows(w, rows, cx, count: 1, y, ldy: 0, path)
        }
        #if arch(x86_64)
        let start = w.rowPointer(rows.lowerBound)
        let n = Int64(rows.count)
        let out = y + rows.lowerBound
        #endif
        switch (w.type, path) {
        #if arch(x86_64)
        case (.q4_0, .avx512vbmi): ck_matvec_q4_0_avx512vbmi(start, w.rowBytes, n, cx, out)
        case (.q4_0, .avx512vnni): ck_matvec_q4_0_avx512vnni(start, w.rowBytes, n, cx, out)
        case (.q4_0, .avx2): ck_matvec_q4_0_avx2(start, w.rowBytes, n, cx, out)
        case (.q8_0, .avx512vnni), (.q8_0, .avx512vbmi): ck_matvec_q8_0_avx512vnni(start, w.rowBytes, n, cx, out)
        case (.q8_0, .avx2): ck_matvec_q8_0_avx2(start, w.rowBytes, n, cx, out)
        #endif
        default:
            for r in rows { y[r] = PortableKernels.dot(w.type, w.rowPointer(r), act) }
        }
    }

    /// Rows `rows` (starting at a multiple of eight) of a Q4_0 matrix in groups of eight for `count`
    /// tokens' activations at `cx`: y[t * ldy + r] = row r . token t. Every vector path runs the AVX2
    /// kernel (the AVX-512 cores have AVX2 too), bit-identical to the portable one.
    static func rowGroups(_ w: WeightMatrix, _ rows: Range<Int>, _ cx: UnsafePointer<ck_q8_act>, count: Int,
                          _ y: UnsafeMutablePointer<Float>, ldy: Int, _ path: KernelPath) {
        let start = w.groupPointer(rows.lowerBound), n = Int64(rows.count), out = y + rows.lowerBound
        #if arch(x86_64)
        if path != .portable { return ck_rows8_matmul_avx2(start, n, cx, Int64(count), out, Int64(ldy)) }
        #endif
        ck_rows8_matmul_portable(start, n, cx, Int64(count), out, Int64(ldy))
    }

    /// Packs `act` in the quad-lane order when `w` is in quad lanes and the path reads that order: once
    /// before a product's threads start, where each thread's chunks would each pack it again.
    static func packLanes(_ act: QuantizedActivation, for w: WeightMatrix, _ path: KernelPath) {
        #if arch(x86_64)
        if w.layout == .quadLanes && path == .avx512vbmi { act.packLanes() }
        #endif
    }

    /// Rows `rows` of a Q4_0 matrix in quad lanes for `count` tokens' activations (group layout) at `cx`:
    /// y[t * ldy + r] = row r . token t. The 512-bit kernels where the path has them, else their scalar twin
    /// (the same bits, slowly: a matrix is packed so only for that path, `GLMWeights.packsInQuadLanes`).
    static func quadLaneRows(_ w: WeightMatrix, _ rows: Range<Int>, _ cx: UnsafePointer<ck_q8_act>, count: Int,
                             _ y: UnsafeMutablePointer<Float>, ldy: Int, _ path: KernelPath) {
        let start = w.quadLaneRowPointer(rows.lowerBound), n = Int64(rows.count), out = y + rows.lowerBound
        #if arch(x86_64)
        if path == .avx512vbmi {
            if count == 1 { return ck_matvec_q4_0_quad_lanes(start, w.rowBytes, n, cx, out) }
            return ck_matmul_q4_0_quad_lanes(start, w.rowBytes, n, cx, Int64(count), out, Int64(ldy))
        }
        #endif
        ck_matmul_q4_0_quad_lanes_portable(start, w.rowBytes, n, cx, Int64(count), out, Int64(ldy))
    }

    private static func floatRows(_ w: WeightMatrix, _ rows: Range<Int>, _ x: UnsafePointer<Float>,
                                  _ y: UnsafeMutablePointer<Float>, _ path: KernelPath) {
        #if arch(x86_64)
        let n = Int64(rows.count)
        let cols = Int64(w.cols)
        let out = y + rows.lowerBound
        let start = w.rowPointer(rows.lowerBound)
        #endif
        switch (w.type, path) {
        #if arch(x86_64)
        case (.f32, .avx512vnni), (.f32, .avx512vbmi):
            ck_matvec_f32_avx512(start.assumingMemoryBound(to: Float.self), n, cols, x, out)
        case (.f32, .avx2):
            ck_matvec_f32_avx2(start.assumingMemoryBound(to: Float.self), n, cols, x, out)
        case (.f16, .avx512vnni), (.f16, .avx512vbmi):
            ck_matvec_f16_avx512(start.assumingMemoryBound(to: UInt16.self), n, cols, x, out)
        case (.f16, .avx2):
            ck_matvec_f16_avx2(start.assumingMemoryBound(to: UInt16.self), n, cols, x, out)
        #endif
        case (.f32, _):
            for r in rows { y[r] = PortableKernels.dot(w.rowPointer(r).assumingMemoryBound(to: Float.self), x, count: w.cols) }
        default:
            for r in rows { y[r] = PortableKernels.dotF16(w.rowPointer(r), x, count: w.cols) }
        }
    }
}

/// The vector a matrix-vector product multiplies: as it is, or RMS-normalized first
/// (x / sqrt(mean(x^2) + eps) * weight, as `Kernels.rmsnorm`).
public enum MatVecInput {
    case plain(UnsafePointer<Float>)
    /// `normed` (as many floats as x) receives the normalized vector on the paths that need it stored.
    case rmsNormalized(UnsafePointer<Float>, weight: UnsafePointer<Float>, eps: Float, normed: UnsafeMutablePointer<Float>)

    /// The input as floats: x itself, or its norm written to `normed`.
    func materialized(count: Int) -> UnsafePointer<Float> {
        switch self {
        case .plain(let x): return x
        case .rmsNormalized(let x, let weight, let eps, let normed):
            Kernels.rmsnorm(x, weight: weight, eps: eps, count: count, into: normed)
            return UnsafePointer(normed)
        }
    }
}

/// What a matrix-vector product's threads do with their rows of y once computed, while those are
/// still in cache, in place of a pass over the whole output on one thread afterwards. Each element
/// gets one float add, so the result does not depend on how the rows were split.
public enum RowEpilogue {
    case none
    /// y[r] += bias[r]
    case addBias(UnsafePointer<Float>)
    /// residual[r] += y[r]
    case addInto(UnsafeMutablePointer<Float>)

    func apply(_ y: UnsafeMutablePointer<Float>, _ rows: Range<Int>) {
        switch self {
        case .none: return
        case .addBias(let bias): Kernels.axpy(1, bias + rows.lowerBound, y + rows.lowerBound, count: rows.count)
        case .addInto(let residual): Kernels.axpy(1, y + rows.lowerBound, residual + rows.lowerBound, count: rows.count)
        }
    }

    /// The same over a batch's output, `n` rows of `width` (a bias is added to each row).
    func apply(_ y: UnsafeMutablePointer<Float>, batch n: Int, width: Int) {
        switch self {
        case .none: return
        case .addBias: for t in 0..<n { apply(y + t * width, 0..<width) }
        case .addInto: apply(y, 0..<n * width)
        }
    }
}
