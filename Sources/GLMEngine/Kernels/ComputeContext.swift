import CKernels
import Foundation

/// The threads the kernels may use, and which instruction-set path they take.
/// The pool's threads are created once; `parallelFor` allocates nothing, the calling thread does
/// one share of the work, and idle workers spin briefly before sleeping.
/// One context serves one caller at a time (calls are serialized inside).
public final class ComputeContext: @unchecked Sendable {
    public let threads: Int
    public let path: KernelPath
    private let pool: OpaquePointer?
    /// Scratch for the activation vector quantized to Q8_0 by `Kernels.matVec`.
    let activation = QuantizedActivation()
    /// Scratch for `Kernels.matMul`: one quantized activation per token of a batch.
    private(set) var batchActivations: [QuantizedActivation] = []

    func reserveBatchActivations(_ n: Int) {
        while batchActivations.count < n { batchActivations.append(QuantizedActivation()) }
    }

    public init(threads: Int = ComputeContext.physicalCores, path: KernelPath = .best) {
        precondition(path.isSupported, "kernel path \(path) is not supported by this CPU")
        let wanted = max(1, threads)
        pool = wanted > 1 ? ck_pool_create(Int32(wanted)) : nil
        self.threads = pool.map { Int(ck_pool_threads($0)) } ?? 1
        self.path = path
    }

    deinit {
        if let pool { ck_pool_destroy(pool) }
    }

    /// Runs `body` over `0..<count` in contiguous chunks, and waits for all. Threads claim chunks
    /// as they finish earlier ones (several per thread), so a thread the OS delays, or one on a
    /// busier core, does not hold the others back at the end of every matrix.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        guard let pool, count > 1 else {
            body(0..<count)
            return
        }
        var claimed: Int64 = 0
        withoutActuallyEscaping(body) { body in
            withUnsafeMutablePointer(to: &claimed) { claimed in
                var job = ParallelJob(count: count, chunks: min(count, threads * Self.chunksPerThread),
                                      claimed: claimed, body: body)
                withUnsafeMutablePointer(to: &job) { job in
                    ck_pool_run(pool, { context, _ in
                        guard let job = context?.assumingMemoryBound(to: ParallelJob.self) else { return }
                        job.pointee.run()
                    }, job)
                }
            }
        }
    }

    /// Chunks per thread: enough to even out a stalled thread, few enough that each chunk of a
    /// matrix is a long sequential stream (4096 rows: chunks of 512).
    static let chunksPerThread = 16

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
    let chunks: Int
    let claimed: UnsafeMutablePointer<Int64>
    let body: (Range<Int>) -> Void

    func run() {
        while true {
            let chunk = Int(ck_claim_chunk(claimed))
            guard chunk < chunks else { return }
            let start = boundary(chunk)
            let end = boundary(chunk + 1)
            if start < end { body(start..<end) }
        }
    }

    /// Where chunk k starts. With at least four items a chunk, the first half of the chunks share
    /// three quarters of the work and the second half the last quarter, so the chunks left when a
    /// thread runs out of work are a third the size of the early ones, and the other thread waits
    /// less at the end of every matrix. Fewer items are split evenly.
    private func boundary(_ k: Int) -> Int {
        let half = chunks / 2
        if half == 0 || count < 4 * chunks { return count * k / chunks }
        return k <= half ? count * 3 * k / (4 * half) : count - count * (chunks - k) / (4 * (chunks - half))
    }
}
