import CKernels

#if arch(x86_64)
extension Kernels {
    /// Batches smaller than this keep the 512-bit vector kernel: measured (docs/PERFORMANCE.md, "AMX for
    /// batches"), the tiles were slower for 2 to 9 rows (serving, speculative passes) and faster for 16
    /// and more (prompts).
    static let amxMinTokens = 16

    /// Y[n, rows] = X[n, cols] W^T for Q4_0 weights with AMX tiles: the tokens' quantized activations
    /// (`acts`, pair layout filled) are packed once as tiles, then tiles of rows (multiples of 16, an
    /// L2's worth) are shared among the threads. Each result is bit-identical to `matVec`'s on the
    /// `avx512vbmi` path. Needs `ctx.usesAMX`.
    static func amxBatch(_ w: WeightMatrix, _ acts: UnsafePointer<ck_q8_act>, n: Int, _ y: UnsafeMutablePointer<Float>,
                         _ ctx: ComputeContext, tileBytes: Int) {
        precondition(w.type == .q4_0 && ctx.usesAMX, "the AMX batch kernel takes Q4_0 weights on a context that uses AMX")
        let nblocks = Int64(w.cols / QuantBlock.elements)
        let packed = ctx.amxActivations.reserve(bytes: ck_amx_packed_bytes(nblocks, Int64(n)))
        let groups = (n + 7) / 8
        ctx.parallelFor(groups) { range in
            ck_amx_pack_acts(acts, Int64(n), Int64(range.lowerBound), Int64(range.upperBound), packed)
        }
        let tileRows = max(16, tileBytes / w.rowBytes / 16 * 16)
        let tiles = (w.rows + tileRows - 1) / tileRows
        ctx.parallelFor(tiles) { range in
            for tile in range {
                let rows = tile * tileRows..<min(w.rows, (tile + 1) * tileRows)
                ck_matmul_q4_0_amx(w.rowPointer(rows.lowerBound), w.rowBytes, Int64(rows.count), packed, nblocks,
                                   Int64(n), y + rows.lowerBound, Int64(w.rows))
            }
        }
    }
}
#endif

/// A 64-byte-aligned buffer for a batch's activations packed as AMX tiles; grows as needed.
final class AMXActivations {
    private var buffer = Scratch<UInt8>()
    private var capacity = 0

    func reserve(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes > capacity {
            buffer.resize(bytes)
            capacity = bytes
        }
        return UnsafeMutableRawPointer(buffer.pointer)
    }
}
