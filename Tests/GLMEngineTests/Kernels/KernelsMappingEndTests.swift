import Foundation
import Testing
@testable import GLMEngine

/// A weight matrix's bytes placed so that its last byte is the last readable one: the next page
/// is unmapped, as past the end of a model file's mapping. A kernel reading one byte too far faults.
private final class BytesBeforeUnmappedPage {
    let base: UnsafeMutableRawPointer
    let mappedBytes: Int
    let data: UnsafeRawPointer

    init?(copying source: UnsafeRawPointer, count: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let readable = (count + page - 1) / page * page
        mappedBytes = readable + page
        guard let raw = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              raw != MAP_FAILED else { return nil }
        base = raw
        guard mprotect(raw + readable, page, PROT_NONE) == 0 else { return nil }
        let start = raw + (readable - count)
        start.copyMemory(from: source, byteCount: count)
        data = UnsafeRawPointer(start)
    }

    deinit { munmap(base, mappedBytes) }
}

@Suite struct KernelsMappingEndTests {
    @Test(arguments: KernelPath.supported, [StorageType.q4_0, .q8_0])
    func lastRowEndingAtTheMappingEndIsReadInBounds(_ path: KernelPath, _ type: StorageType) throws {
        let ctx = ComputeContext(threads: 1, path: path)
        // 3 and 5 blocks (short tails), 257 (one block past whole quads), 428 (the 6B model's 13696 columns)
        for cols in [96, 160, 8224, 13696] {
            let heap = randomMatrix(rows: 3, cols: cols, type: type, seed: UInt64(cols))
            let guarded = try #require(BytesBeforeUnmappedPage(copying: heap.data, count: heap.byteCount))
            let atEnd = WeightMatrix(rows: heap.rows, cols: cols, type: type, data: guarded.data, owner: guarded)
            var rng = SeededRandom(seed: UInt64(cols) + 1)
            let x = rng.floats(cols)
            #expect(fastMatVec(atEnd, x, ctx) == fastMatVec(heap, x, ctx), "\(path) \(type) \(cols) matVec")

            let n = 5
            let xs = rng.floats(n * cols)
            #expect(batched(atEnd, xs, n: n, ctx) == batched(heap, xs, n: n, ctx), "\(path) \(type) \(cols) batch")
        }
    }

    private func batched(_ w: WeightMatrix, _ x: [Float], n: Int, _ ctx: ComputeContext) -> [Float] {
        var y = [Float](repeating: .nan, count: n * w.rows)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                Kernels.matMul(w, xp.baseAddress.unsafelyUnwrapped, n: n, yp.baseAddress.unsafelyUnwrapped, ctx)
            }
        }
        return y
    }
}
