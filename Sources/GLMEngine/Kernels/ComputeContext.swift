import CKernels
import Foundation

/// The threads the kernels may use, and which instruction-set path they take.
/// The pool's threads are created once; `parallelFor` allocates nothing, the calling thread does
/// one share of the work, and idle workers spin briefly before sleeping.
/// One context serves one caller at a time (calls are serialized inside).
public final class ComputeContext: @unchecked Sendable {
    public let threads: Int
    public let path: KernelPath
    /// Q4_0 batches of at least `Kernels.amxMinTokens` tokens go through AMX tiles (bit-identical
    /// results): asked for (`amx`, the default), on the `avx512vbmi` path, on a CPU and OS that allow it.
    public let usesAMX: Bool
    /// Q4_0 matrices loaded for this context are packed in quad lanes (`RowLayout.quadLanes`): asked
    /// for (`quadLanes`, the default), on the `avx512vbmi` path, without AMX (its kernel reads ggml's layout).
    public let usesQuadLanes: Bool
    private let pool: OpaquePointer?
    /// Scratch for the activation vector quantized to Q8_0 by `Kernels.matVec`.
    let activation = QuantizedActivation()
    /// Scratch for a job's output quantized by the job's own threads for the next product
    /// (`Kernels.matVecSwiGLU(quantizedFor:)`), while `activation` is still being read.
    let chainedActivation = QuantizedActivation()
    /// Scratch for the AMX batch path: a batch's activations packed as tiles.
    let amxActivations = AMXActivations()
    /// Scratch for `Kernels.matMul`: one quantized activation per token of a batch.
    private(set) var batchActivations: [QuantizedActivation] = []

    func reserveBatchActivations(_ n: Int) {
        while batchActivations.count < n { batchActivations.append(QuantizedActivation()) }
    }

    public init(threads: Int = ComputeContext.physicalCores, path: KernelPath = .best, amx: Bool = true,
                quadLanes: Bool = true) {
        precondition(path.isSupported, "kernel path \(path) is not supported by this CPU")
        usesAMX = amx && path == .avx512vbmi && KernelPath.amxInt8Available
        usesQuadLanes = quadLanes && path == .avx512vbmi && !usesAMX
        let wanted = max(1, threads)
        pool = wanted > 1 ? ck_pool_create(Int32(wanted)) : nil
        self.threads = pool.map { Int(ck_pool_threads($0)) } ?? 1
        self.path = path
    }

    deinit {
        if let pool { ck_pool_destroy(pool) }
    }

    /// Runs `body` over `0..<count` in contiguous chunks, and waits for all. Each chunk a thread
    /// claims is a share of what is left (1 / (`shares` x threads)), and no smaller than `minChunk` items:
    /// the first chunks are long sequential streams, the last ones small, so the threads finish
    /// together at the end of every matrix, and a thread the OS delays, or one on a busier core,
    /// holds the others back by one small chunk at most.
    public func parallelFor(_ count: Int, minChunk: Int = 1, shares: Int = ComputeContext.sharesPerThread,
                            _ body: (Range<Int>) -> Void) {
        parallelFor(count, minChunk: minChunk, shares: shares) { range, _ in body(range) }
    }

    /// `parallelFor` whose body also gets the index (0..<threads) of the participant running the chunk,
    /// for scratch of its own.
    public func parallelFor(_ count: Int, minChunk: Int = 1, shares: Int = ComputeContext.sharesPerThread,
                            participant body: (Range<Int>, Int) -> Void) {
        guard count > 0 else { return }
        guard let pool, count > 1 else {
            body(0..<count, 0)
            return
        }
        var next: Int64 = 0
        withoutActuallyEscaping(body) { body in
            withUnsafeMutablePointer(to: &next) { next in
                var job = ParallelJob(count: count, parts: max(1, shares) * threads, minChunk: max(1, minChunk),
                                      next: next, body: body)
                withUnsafeMutablePointer(to: &job) { job in
                    ck_pool_run(pool, { context, index in
                        guard let job = context?.assumingMemoryBound(to: ParallelJob.self) else { return }
                        job.pointee.run(participant: Int(index))
                    }, job)
                }
            }
        }
    }

    /// A chunk is 1 / (sharesPerThread x threads) of the items left: shrinking chunks keep the wait
    /// at the end of a job short (2 measured better than 4, and than fixed chunks; see
    /// docs/PERFORMANCE.md).
    public static let sharesPerThread = 2

    /// The shares of a matrix-vector product, which streams its weights from memory: each chunk
    /// starts its stream cold, and fewer, longer chunks start it fewer times (1 measured better than
    /// 2 or 3 here; batches measured worse with 1 and keep `sharesPerThread`).
    static let streamingShares = 1

    /// `parallelFor` for a matrix-vector product over `count` items of `itemBytes` weight bytes each
    /// (a row, or a gate row with its up row): chunks of at least `minChunkRows` worth of weights,
    /// claimed in `streamingShares`. Every chunk starts at a multiple of `alignment` (a matrix whose
    /// rows go in groups, `WeightMatrix.rowAlignment`).
    func parallelForWeights(_ count: Int, itemBytes: Int, alignment: Int = 1, _ body: (Range<Int>) -> Void) {
        guard alignment > 1 else {
            parallelFor(count, minChunk: Self.minChunkRows(rowBytes: itemBytes), shares: Self.streamingShares, body)
            return
        }
        let units = (count + alignment - 1) / alignment
        parallelFor(units, minChunk: Self.minChunkRows(rowBytes: itemBytes * alignment), shares: Self.streamingShares) {
            body($0.lowerBound * alignment..<min(count, $0.upperBound * alignment))
        }
    }

    /// The smallest chunk of a matrix-vector product: 64 KB of weights, a few microseconds of
    /// streaming, so the thread that finishes first waits about that long (measured: 16 KB was no
    /// better, 256 KB no worse).
    static func minChunkRows(rowBytes: Int) -> Int { max(1, (64 << 10) / max(1, rowBytes)) }

    /// Lets spinning workers sleep now, before another library's threads need the cores.
    func quiesce() {
        if let pool { ck_pool_quiesce(pool) }
    }

    /// Physical cores (hyper-threads share one core's arithmetic units, so they don't count).
    public static let physicalCores: Int = countPhysicalCores()

    private static func countPhysicalCores() -> Int {
        let logical = ProcessInfo.processInfo.activeProcessorCount
        var cores = Set<String>()
        for cpu in 0..<logical {
            let dir = "/sys/devices/system/cpu/cpu\(cpu)/topology/"
            guard let core = try? String(contentsOfFile: dir + "core_id", encoding: .utf8),
                  let package = try? String(contentsOfFile: dir + "physical_package_id", encoding: .utf8)
            else { return max(1, logical) }
            cores.insert(package.trimmingCharacters(in: .whitespacesAndNewlines) + ":"
                + core.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return max(1, min(logical, cores.count))
    }
}

private struct ParallelJob {
    let count: Int
    let parts: Int
    let minChunk: Int
    let next: UnsafeMutablePointer<Int64>
    let body: (Range<Int>, Int) -> Void

    func run(participant: Int) {
        var end: Int64 = 0
        while true {
            let start = Int(ck_claim_guided(next, Int64(count), Int64(parts), Int64(minChunk), &end))
            guard start < count else { return }
            body(start..<Int(end), participant)
        }
    }
}
