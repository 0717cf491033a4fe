import CKernels
import Foundation
import Testing
@testable import GLMEngine

/// Q4_0 in quad lanes (`RowLayout.quadLanes`, ckernels_quad_lanes.h): the same values as the row
/// layout; on the `avx512vbmi` path the same bits as the 512-bit kernels on ggml's layout, batches
/// the same bits as single tokens; on every path the same bits as the portable twin, and results
/// within rounding of the reference.
@Suite struct KernelsQuadLanesTests {
    /// Block counts 1, 3, 16 (one whole quad), 17 (a quad and one block), 128, 257 and 428 (the 6B
    /// model's 13,696 columns: a last quad of 12 blocks); token counts 1 to 12, around the batch
    /// kernel's passes of nine and its rows two at a time (odd row counts leave a last row alone).
    static let shapes: [(rows: Int, cols: Int, tokens: Int)] = [
        (8, 32, 1), (23, 96, 5), (17, 512, 2), (13, 544, 3), (17, 4096, 9), (40, 8224, 4), (9, 13696, 12), (5, 4096, 8),
    ]

    @Test func packingKeepsEveryRow() {
        for (rows, cols, _) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows * cols))
            let packed = w.inQuadLanes(ComputeContext(threads: 2))
            let blocks = cols / 32
            #expect(packed.layout == .quadLanes)
            #expect(packed.rowBytes == (blocks + 15) / 16 * 288)
            #expect(packed.byteCount == rows * packed.rowBytes)
            #expect(packed.ggmlRowBytes == w.rowBytes)
            expectSameRows(packed, w)
        }
    }

    @Test(arguments: KernelPath.supported)
    func everyPathPacksTheSameBytes(_ path: KernelPath) {
        // the 512-bit packing (its gathers, masked for a last quad) against the portable one
        for (rows, cols, _) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows * cols + 1))
            let packed = w.inQuadLanes(ComputeContext(threads: 2, path: path, amx: false))
            let portable = w.inQuadLanes(ComputeContext(threads: 1, path: .portable))
            let a = UnsafeRawBufferPointer(start: packed.data, count: packed.byteCount)
            let b = UnsafeRawBufferPointer(start: portable.data, count: portable.byteCount)
            #expect(a.elementsEqual(b), "\(path) \(rows) x \(cols)")
        }
    }

    @Test func paddingOfALastQuadIsZero() {
        // 17 blocks: the second quad holds one block; its other 15 scales and nibble words are zero,
        // so the kernels may read the whole quad and add nothing
        let w = randomMatrix(rows: 3, cols: 17 * 32, type: .q4_0, seed: 3).inQuadLanes(ComputeContext(threads: 1))
        for r in 0..<3 {
            let quad = UnsafeRawBufferPointer(start: w.quadLaneRowPointer(r) + 288, count: 288)
            #expect(quad[2..<32].allSatisfy { $0 == 0 }, "row \(r): scales")
            for m in 0..<4 {
                #expect(quad[(32 + 64 * m + 4)..<(32 + 64 * (m + 1))].allSatisfy { $0 == 0 }, "row \(r): vector \(m)")
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func everyPathGivesTheRowLayoutsBits(_ path: KernelPath) {
        let ctx = ComputeContext(threads: 2, path: path, amx: false)
        for (rows, cols, n) in Self.shapes {
            let w = randomMatrix(rows: rows, cols: cols, type: .q4_0, seed: UInt64(rows + cols))
            // the portable path runs the twin; the 512-bit path also has ggml's layout to match
            expectPackedProducts(w.inQuadLanes(ComputeContext(threads: 1)), n: n, seed: UInt64(n * 7 + cols), ctx) { x, y, label in
                if path == .avx512vbmi { #expect(y == fastMatVec(w, x, ctx), "\(label): ggml's layout") }
            }
        }
    }

    @Test func batchesInTilesCoverEveryRow() {
        // one-byte tiles: every tile is four rows; 23 rows end in a tile of three
        let w = randomMatrix(rows: 23, cols: 576, type: .q4_0, seed: 31).inQuadLanes(ComputeContext(threads: 1))
        expectSmallestTilesCoverEveryRow(w, n: 6, seed: 32)
    }

    @Test func theFusedGateAndUpMatchThePlainProduct() {
        // the fused SwiGLU reads both halves of a packed gate-up matrix and quantizes its output for
        // the next matrix (packed too) on the way
        let width = 96, cols = 544
        let gateUp = randomMatrix(rows: 2 * width, cols: cols, type: .q4_0, seed: 41).inQuadLanes(ComputeContext(threads: 1))
        let down = randomMatrix(rows: 16, cols: width, type: .q4_0, seed: 43).inQuadLanes(ComputeContext(threads: 1))
        var rng = SeededRandom(seed: 42)
        let x = rng.floats(cols)
        let ctx = ComputeContext(threads: 2)
        var both = [Float](repeating: 0, count: 2 * width), fused = [Float](repeating: .nan, count: width)
        x.withUnsafeBufferPointer { xp in
            both.withUnsafeMutableBufferPointer { g in
                fused.withUnsafeMutableBufferPointer { f in
                    let chained = Kernels.matVecSwiGLU(gateUp, .plain(xp.baseAddress.unsafelyUnwrapped), width: width,
                                                       gateUp: g.baseAddress.unsafelyUnwrapped,
                                                       into: f.baseAddress.unsafelyUnwrapped, ctx, quantizedFor: down)
                    #expect(chained != nil, "a packed next matrix reads the group layout only")
                }
            }
        }
        let plain = fastMatVec(gateUp, x, ctx)
        #expect(both == plain)
        #expect(fused == siluGated(plain, width: width, ctx))
    }

    @Test(arguments: KernelPath.supported)
    func onlyThe512BitPathLoadsQ4_0InQuadLanes(_ path: KernelPath) {
        let square = randomMatrix(rows: 32, cols: 64, type: .q4_0, seed: 5)
        let ctx = ComputeContext(threads: 1, path: path, amx: false)
        #expect(ctx.usesQuadLanes == (path == .avx512vbmi))
        #expect(GLMWeights.packsInQuadLanes(square, ctx) == (path == .avx512vbmi))
        #expect(!GLMWeights.packsInQuadLanes(randomMatrix(rows: 32, cols: 64, type: .q8_0, seed: 7), ctx))
        #expect(!GLMWeights.packsInQuadLanes(square, ComputeContext(threads: 1, path: path, amx: false, quadLanes: false)))
    }

    /// The tiny oracle model as Q4_0, loaded with and without quad lanes on each path: the same logits,
    /// bit for bit, for a prompt read at once and the greedy tokens after it.
    @Test(arguments: KernelPath.supported)
    func aModelInQuadLanesGivesTheSameLogits(_ path: KernelPath) throws {
        func load(quadLanes: Bool) throws -> GLMModel {
            let dir = Fixtures.root.appendingPathComponent("tiny-chatglm3").path
            let config = try ModelConfig.load(huggingFaceConfig: dir + "/config.json")
            let checkpoint = Checkpoint()
            try SafetensorsReader.read(path: dir + "/model.safetensors", into: checkpoint)
            let compute = ComputeContext(threads: 2, path: path, amx: false, quadLanes: quadLanes)
            let weights = try GLMWeights.load(from: checkpoint, config: config, as: .q4_0, source: dir, threads: compute)
            #expect((weights.layers[0].gateUp.layout == .quadLanes) == (path == .avx512vbmi && quadLanes))
            return GLMModel(weights: weights, compute: compute, maxBatch: 64)
        }
        let packed = try load(quadLanes: true), plain = try load(quadLanes: false)
        let prompt: [Int32] = [64790, 64792, 30910, 13, 434, 3384, 1082, 30930, 31123, 34211]
        let tokens = prompt.map { $0 % Int32(packed.config.vocabRows) }
        let packedCache = KVCache(config: packed.config, maxPositions: 64)
        let plainCache = KVCache(config: plain.config, maxPositions: 64)
        var a = packed.forward(tokens, cache: packedCache, logits: .all)
        var b = plain.forward(tokens, cache: plainCache, logits: .all)
        // compared outside #expect, which would print both vectors whole
        let samePrompt = a == b
        #expect(samePrompt, "\(path): the prompt's logits differ by up to \(Fixtures.maxAbsDifference(a, b))")
        for step in 0..<8 {
            let next = Int32(Fixtures.argmax(a[(a.count - packed.config.vocabRows)...]))
            a = packed.forward([next], cache: packedCache, logits: .last)
            b = plain.forward([next], cache: plainCache, logits: .last)
            let sameStep = a == b
            #expect(sameStep, "\(path): step \(step)'s logits differ by up to \(Fixtures.maxAbsDifference(a, b))")
        }
    }
}
