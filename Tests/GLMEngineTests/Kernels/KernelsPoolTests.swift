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

    @Test(arguments: [(100, 1, 2), (6400, 1, 2), (6400, 37, 2), (27392, 28, 2),
                      (6400, 1, 1), (27392, 28, 1), (4096, 28, 1)])
    func chunksShrinkToTheMinimumAndTileTheRange(_ count: Int, _ minChunk: Int, _ shares: Int) {
        // Each chunk is 1 / (2 threads x shares) of what is left, down to minChunk: a quarter with the
        // default two shares, half with the matrix-vector products' one.
        let parts = 2 * shares
        let sorted = chunks(ComputeContext(threads: 2), count, minChunk: minChunk, shares: shares)
        #expect(sorted.first == 0..<count / parts)
        #expect(sorted.last?.upperBound == count)
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(a.upperBound == b.lowerBound)
            #expect(b.count == max(minChunk, (count - b.lowerBound) / parts) || b.upperBound == count)
        }
        // every chunk but the last holds at least the minimum, and the last is not bigger than it needs to be
        #expect(sorted.dropLast().allSatisfy { $0.count >= minChunk })
        #expect((sorted.last?.count ?? 0) <= max(minChunk, 3))
    }

    @Test func matrixVectorProductsTakeHalvesOfWhatIsLeftInSixtyFourKilobyteChunksAtLeast() {
        // 4096 rows of 2304 bytes (a 4096-column Q4_0 matrix): the first chunk is half the rows, the
        // smallest 28 rows (64 KB)
        let ranges = Mutex<[Range<Int>]>([])
        ComputeContext(threads: 2).parallelForWeights(4096, itemBytes: 2304) { range in ranges.withLock { $0.append(range) } }
        let sorted = ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
        #expect(sorted.first == 0..<2048)
        #expect(sorted.last?.upperBound == 4096)
        #expect(sorted.dropLast().allSatisfy { $0.count >= 28 })
        #expect(sorted.contains { $0.count == 28 })
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
