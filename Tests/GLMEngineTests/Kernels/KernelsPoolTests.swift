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

    /// The ranges `parallelFor(count)` hands out, in order.
    private func chunks(_ ctx: ComputeContext, _ count: Int) -> [Range<Int>] {
        let ranges = Mutex<[Range<Int>]>([])
        ctx.parallelFor(count) { range in ranges.withLock { $0.append(range) } }
        return ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test(arguments: [100, 6400])
    func chunksAreContiguousAndTileTheRange(_ count: Int) {
        // Threads claim chunks as they go: 2 threads x chunksPerThread contiguous, non-overlapping chunks.
        let ctx = ComputeContext(threads: 2)
        let sorted = chunks(ctx, count)
        #expect(sorted.count == 2 * ComputeContext.chunksPerThread)
        #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == count)
        for (a, b) in zip(sorted, sorted.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        if count >= 4 * sorted.count, let first = sorted.first, let last = sorted.last {
            // a big job: the second half of the chunks are a third the size, so the last ones end together
            #expect(last.count * 3 == first.count)
        }
    }

    @Test func fewerItemsThanChunksGoOneEach() {
        #expect(chunks(ComputeContext(threads: 2), 3) == [0..<1, 1..<2, 2..<3])
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
