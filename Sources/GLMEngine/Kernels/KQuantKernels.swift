import CKernels

extension StorageType {
    /// The C kernel family of the types beyond Q4_0 / Q8_0 (ckernels_kquants.h), nil for the others.
    var kquantKernelType: ck_kq_type? {
        switch self {
        case .q4_1: return CK_KQ_Q4_1
        case .q5_0: return CK_KQ_Q5_0
        case .q5_1: return CK_KQ_Q5_1
        case .iq4_nl: return CK_KQ_IQ4_NL
        case .q2_K: return CK_KQ_Q2_K
        case .q3_K: return CK_KQ_Q3_K
        case .q4_K: return CK_KQ_Q4_K
        case .q5_K: return CK_KQ_Q5_K
        case .q6_K: return CK_KQ_Q6_K
        case .iq4_xs: return CK_KQ_IQ4_XS
        case .f32, .f16, .bf16, .q8_0, .q4_0: return nil
        }
    }

    /// Whether products with this type quantize the activation to Q8_K (256-element super-blocks)
    /// rather than Q8_0, as ggml does: the k-quants and IQ4_XS.
    var usesSuperBlockActivation: Bool { blockElements == GGMLBlockGeometry.superBlock }
}

extension KernelPath {
    /// The build of the ckernels_kquants.h kernels this path runs (the AVX-512 paths share one).
    var kquantISA: ck_isa {
        switch self {
        case .avx512vbmi, .avx512vnni: return CK_ISA_AVX512VNNI
        case .avx2: return CK_ISA_AVX2
        case .portable: return CK_ISA_PORTABLE
        }
    }
}

extension QuantizedActivation {
    /// Quantizes x in the form products with `type` read: Q8_K for the super-block types, else Q8_0.
    func quantize(_ x: UnsafePointer<Float>, count: Int, for type: StorageType, vectorized: Bool) {
        if type.usesSuperBlockActivation {
            superBlocks.quantize(x, count: count)
        } else {
            quantize(x, count: count, vectorized: vectorized)
        }
    }
}

/// Products of the GGUF types beyond Q4_0 / Q8_0 through the kernels of ckernels_kquants.h: the
/// 32-element types against the paired Q8_0 layout of a `QuantizedActivation`, the super-block
/// types against its Q8_K form. Batches give every (row, token) exactly the single-token result.
enum KQuantKernels {
    /// y[r] = row r of w . act for r in `rows`.
    static func rows(_ w: WeightMatrix, _ rows: Range<Int>, _ act: QuantizedActivation,
                     _ y: UnsafeMutablePointer<Float>, _ path: KernelPath) {
        let kernel = self.kernel(w.type, path)
        let start = w.rowPointer(rows.lowerBound), n = Int64(rows.count), out = y + rows.lowerBound
        if w.type.usesSuperBlockActivation {
            var view = act.superBlocks.cView
            withUnsafePointer(to: &view) { kernel(start, w.rowBytes, n, $0, 1, out, 0) }
        } else {
            var view = act.cView
            withUnsafePointer(to: &view) { kernel(start, w.rowBytes, n, $0, 1, out, 0) }
        }
    }

    /// Y[n, rows] = X[n, cols] W^T: every token quantized once, then the rows in tiles of about
    /// `tileBytes` of weights (they stay in L2 while every token is applied to them).
    static func batch(_ w: WeightMatrix, _ x: UnsafePointer<Float>, n: Int, _ y: UnsafeMutablePointer<Float>,
                      _ ctx: ComputeContext, tileBytes: Int) {
        ctx.reserveBatchActivations(n)
        let acts = ctx.batchActivations
        let path = ctx.path
        ctx.parallelFor(n) { tokens in
            for t in tokens { acts[t].quantize(x + t * w.cols, count: w.cols, for: w.type, vectorized: path.hasF16C) }
        }
        if w.type.usesSuperBlockActivation {
            tiles(w, acts.prefix(n).map(\.superBlocks.cView), y, ctx, tileBytes: tileBytes)
        } else {
            tiles(w, acts.prefix(n).map(\.cView), y, ctx, tileBytes: tileBytes)
        }
    }

    private static func tiles<View>(_ w: WeightMatrix, _ views: [View], _ y: UnsafeMutablePointer<Float>,
                                    _ ctx: ComputeContext, tileBytes: Int) {
        let kernel = self.kernel(w.type, ctx.path)
        let tileRows = max(4, tileBytes / w.rowBytes / 4 * 4)
        let tiles = (w.rows + tileRows - 1) / tileRows
        views.withUnsafeBufferPointer { views in
            guard let first = views.baseAddress else { return }
            ctx.parallelFor(tiles) { range in
                for tile in range {
                    let rows = tile * tileRows..<min(w.rows, (tile + 1) * tileRows)
                    kernel(w.rowPointer(rows.lowerBound), w.rowBytes, Int64(rows.count), first, Int64(views.count),
                           y + rows.lowerBound, Int64(w.rows))
                }
            }
        }
    }

    private static func kernel(_ type: StorageType, _ path: KernelPath) -> ck_kq_matmul_fn {
        guard let family = type.kquantKernelType, let kernel = ck_kq_matmul_kernel(family, path.kquantISA) else {
            preconditionFailure("no \(type.rawValue) kernel for the \(path.rawValue) path")
        }
        return kernel
    }
}
