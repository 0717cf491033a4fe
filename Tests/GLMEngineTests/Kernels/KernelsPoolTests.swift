import Synchronization
import Testing
@testable import GLMEngine

@Suite struct KernelsPoolTests {
    @Test(arguments: [1, 2, 3, 5])
    func parallelForCoversEveryIndexOnce(_ threads: Int) {
        let ctx = ComputeContext(threads: threads)
        for count in [0, 1, 2, 3, 7, 64, 1000] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            hits.initialize(repeating: 0, count: max(count, 1))
            defer { hits.deallocate() }
            for _ in 0..<50 {
                ctx.parallelFor(count) { range in
                    for i in range { hits[i] += 1 }
                }
            }
            #expect((0..<count).allSatisfy { hits[$0] == 50 }, "threads \(threads) count \(count)")
        }
    }

    /// The ranges `parallelFor(count, minChunk:, shares:)` hands out, in order.
    private func chunks(_ ctx: ComputeContext, _ count: Int, minChunk: Int = 1,
                        shares: Int = ComputeContext.sharesPerThread) -> [Range<Int>] {
        let ranges = Mutex<[Range<Int>]>([])
        ctx.parallelFor(count, minChunk: minChunk, shares: shares) { range in ranges.withLock { $0.append(range) } }
        return ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test(arguments: [(100, 1), (6400, 1), (6400, 37), (27392, 28)])
    func chunksShrinkToTheMinimumAndTileTheRange(_ count: Int, _ minChunk: Int) {
        // Each chunk is a quarter (2 threads x 2 shares) of what is left, down to minChunk.
        let ctx = ComputeContext(threads: 2)
        let sorted = chunks(ctx, count, minChunk: minChunk)
        #expect(sorted.first == 0..<count / 4)
        #expect(sorted.last?.upperBound == count)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.upperBound == b.lowerBound)
            #expect(b.count == max(minChunk, (count - b.lowerBound) / 4) || b.upperBound == count)
        }
        // every chunk but the last holds at least the minimum, and the last is not bigger than it needs to be
        #expect(sorted.dropLast().allSatisfy { $0.count >= minChunk })
        #expect((sorted.last?.count ?? 0) <= max(minChunk, 3))
    }

    @Test(arguments: [(6400, 1), (27392, 28), (4096, 28)])
    func streamingProductsTakeHalvesOfWhatIsLeft(_ count: Int, _ minChunk: Int) {
        // one share per thread: each chunk is half (2 threads x 1 share) of what is left
        let sorted = chunks(ComputeContext(threads: 2), count, minChunk: minChunk, shares: ComputeContext.streamingShares)
        #expect(sorted.first == 0..<count / 2)
        #expect(sorted.last?.upperBound == count)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.upperBound == b.lowerBound)
            #expect(b.count == max(minChunk, (count - b.lowerBound) / 2) || b.upperBound == count)
        }
        #expect(sorted.dropLast().allSatisfy { $0.count >= minChunk })
    }

    @Test func fewerItemsThanShareGoOneEach() {
        #expect(chunks(ComputeContext(threads: 2), 3) == [0..<1, 1..<2, 2..<3])
    }

    @Test func minChunkRowsIsSixtyFourKilobytesOfWeights() {
        #expect(ComputeContext.minChunkRows(rowBytes: 2304) == 28)
        #expect(ComputeContext.minChunkRows(rowBytes: 1 << 20) == 1)
    }

    @Test func nestedParallelForRunsInline() {
        let ctx = ComputeContext(threads: 2)
        let total = Atomic<Int>(0)
        ctx.parallelFor(4) { outer in
            for _ in outer {
                ctx.parallelFor(8) { inner in total.add(inner.count, ordering: .relaxed) }
            }
        }
        #expect(total.load(ordering: .relaxed) == 32)
    }

    @Test func contextsCanBeCreatedAndDroppedRepeatedly() {
        for _ in 0..<20 {
            let ctx = ComputeContext(threads: 2)
            let total = Atomic<Int>(0)
            ctx.parallelFor(100) { total.add($0.count, ordering: .relaxed) }
            #expect(total.load(ordering: .relaxed) == 100)
        }
        #expect(ComputeContext.physicalCores >= 1)
        #expect(ComputeContext().threads == ComputeContext.physicalCores)
    }
}

@Suite struct KernelsNestedMatVecTests {
    @Test func matVecInsideParallelForMatchesPlainCalls() {
        let ctx = ComputeContext(threads: 2)
        let w = randomMatrix(rows: 12, cols: 96, type: .q4_0, seed: 41)
        var rng = SeededRandom(seed: 42)
        let inputs = (0..<6).map { _ in rng.floats(96) }
        let expected = inputs.map { fastMatVec(w, $0, ctx) }
        let results = UnsafeMutablePointer<Float>.allocate(capacity: 6 * 12)
        defer { results.deallocate() }
        ctx.parallelFor(6) { range in
            for i in range {
                inputs[i].withUnsafeBufferPointer { Kernels.matVec(w, $0.baseAddress.unsafelyUnwrapped, results + i * 12, ctx) }
            }
        }
        for i in 0..<6 { #expect(Array(UnsafeBufferPointer(start: results + i * 12, count: 12)) == expected[i]) }
    }
}
