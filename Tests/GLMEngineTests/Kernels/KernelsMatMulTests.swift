import Testing
@testable import GLMEngine

@Suite struct KernelsMatMulTests {
    @Test(arguments: [StorageType.f32, .f16, .q8_0, .q4_0])
    func batchedMatchesRepeatedMatVec(_ type: StorageType) {
        let ctx = ComputeContext(threads: 2)
        for (rows, cols, n) in [(1, 32, 3), (7, 96, 9), (65, 256, 12)] {
            let w = randomMatrix(rows: rows, cols: cols, type: type, seed: UInt64(rows))
            var rng = SeededRandom(seed: UInt64(cols))
            let x = rng.floats(n * cols)
            let small = fastMatMul(w, x, n: n, ctx, minBatchForBLAS: n + 1)  // repeated matVec
            let blas = fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1)       // dequantized tiles + sgemm
            for i in 0..<n {
                let xi = Array(x[i * cols..<(i + 1) * cols])
                let single = fastMatVec(w, xi, ctx)
                #expect(Array(small[i * rows..<(i + 1) * rows]) == single)
                if type.isBlockQuantized {
                    // the batched integer path does matVec's arithmetic exactly
                    #expect(Array(blas[i * rows..<(i + 1) * rows]) == single)
                    continue
                }
                let scale = magnitudes(w, xi)
                let tolerance: Float = 1e-5
                for r in 0..<rows {
                    #expect(abs(blas[i * rows + r] - single[r]) <= tolerance * scale[r] + 1e-5,
                            "\(type) [\(rows)x\(cols)] n=\(n) token \(i) row \(r)")
                }
            }
        }
    }

    @Test(arguments: [StorageType.f16, .q4_0, .q8_0])
    func tilesCoverEveryRow(_ type: StorageType) {
        // Tiny tiles (5 float rows, 4 quantized rows): 23 rows take several tiles, the last one partial.
        let rows = 23, cols = 64
        let w = randomMatrix(rows: rows, cols: cols, type: type, seed: 77)
        var rng = SeededRandom(seed: 78)
        let x = rng.floats(9 * cols)
        let ctx = ComputeContext(threads: 2)
        var y = [Float](repeating: .nan, count: 9 * rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: 9, yp.baseAddress.unsafelyUnwrapped, ctx,
                               minBatchForBLAS: 1, tileFloats: 5 * cols, batchTileBytes: 1)
            }
        }
        let whole = fastMatMul(w, x, n: 9, ctx, minBatchForBLAS: 1)
        #expect(y.allSatisfy { $0.isFinite })
        for i in 0..<y.count { #expect(abs(y[i] - whole[i]) <= 1e-5) }
        if type.isBlockQuantized { #expect(y == whole) }
    }

    @Test(arguments: KernelPath.supported)
    func batchedLongRowsMatchMatVec(_ path: KernelPath) {
        // 13696 columns are 428 blocks (in the 512-bit kernel chunks of eight quads, eight, eight, and
        // three with a last quad of 12 blocks); 8224 columns are 257 blocks, a long row with an odd last
        // block. Seven tokens: one pass (one group of four then three on the 256-bit path).
        for cols in [13696, 8224] {
            expectBatchEqualsSingleTokens(rows: 10, cols: cols, n: 7, matrixSeed: 88, inputSeed: 89,
                                          ComputeContext(threads: 2, path: path))
        }
    }

    @Test(arguments: KernelPath.supported)
    func batchedRowsInChunksMatchMatVec(_ path: KernelPath) {
        // 8224 columns (257 blocks: chunks of eight quads, eight and one, the last a single block) on
        // 70 rows (tiles of 56 and 14 rows; the 512-bit kernel keeps 32 rows' sums between chunks) with
        // 10 tokens (a pass of nine, then one).
        expectBatchEqualsSingleTokens(rows: 70, cols: 8224, n: 10, matrixSeed: 90, inputSeed: 91,
                                      ComputeContext(threads: 2, path: path, amx: false))
    }

    @Test(arguments: KernelPath.supported)
    func batchedShortRowsMatchMatVecOnEveryPath(_ path: KernelPath) {
        // Block counts 1, 3, 8 and 129 (odd tails, both accumulators), token counts around the group of four;
        // 13 blocks (a tail quad over both pairs), 65 (four quads and one block) and 128 (ChatGLM3's
        // 4096 columns) with 10 and 17 tokens: passes of nine tokens and the passes after them.
        for (cols, n) in [(32, 5), (96, 6), (256, 4), (4128, 9), (416, 10), (2080, 17), (4096, 10), (4096, 17)] {
            // 17 tokens would take the tiles
            expectBatchEqualsSingleTokens(rows: 13, cols: cols, n: n, matrixSeed: UInt64(cols), inputSeed: UInt64(n),
                                          ComputeContext(threads: 2, path: path, amx: false))
        }
    }

    @Test(arguments: KernelPath.supported)
    func batchedQ8RowsMatchMatVecOnEveryPath(_ path: KernelPath) {
        // Q8_0 rows keep the single-token kernel's two alternating sums at every length: 1, 3 and 129
        // blocks (odd tails), 128 (4096 columns), 257 and 428 (13696 columns), with token counts around
        // the groups of four; 13 rows leave the two-row kernel a last row alone.
        for (cols, n) in [(32, 5), (96, 6), (4128, 9), (4096, 4), (8224, 3), (13696, 7)] {
            expectBatchEqualsSingleTokens(rows: 13, cols: cols, n: n, matrixSeed: UInt64(cols) + 5, inputSeed: UInt64(n),
                                          ComputeContext(threads: 2, path: path, amx: false), type: .q8_0)
        }
    }

    #if arch(x86_64)
    @Test func everyVectorPathHasItsBatchKernels() {
        // the tests above would also pass if batches fell back to one token at a time
        for path in [KernelPath.avx512vbmi, .avx512vnni, .avx2] {
            #expect(Kernels.batchKernel(.q4_0, path) != nil, "\(path)")
            #expect(Kernels.batchKernel(.q8_0, path) != nil, "\(path)")
        }
        #expect(Kernels.batchKernel(.q4_0, .portable) == nil)
    }
    #endif

    /// A batch of `n` random tokens through the batched path equals, row for row and bit for bit, each
    /// token through the single-token kernel.
    private func expectBatchEqualsSingleTokens(rows: Int, cols: Int, n: Int, matrixSeed: UInt64, inputSeed: UInt64,
                                               _ ctx: ComputeContext, type: StorageType = .q4_0) {
        let w = randomMatrix(rows: rows, cols: cols, type: type, seed: matrixSeed)
        var rng = SeededRandom(seed: inputSeed)
        let x = rng.floats(n * cols)
        let y = fastMatMul(w, x, n: n, ctx, minBatchForBLAS: 1)
        for i in 0..<n {
            #expect(Array(y[i * rows..<(i + 1) * rows]) == fastMatVec(w, Array(x[i * cols..<(i + 1) * cols]), ctx),
                    "\(type) \(ctx.path) \(rows) x \(cols), token \(i) of \(n)")
        }
    }
}
