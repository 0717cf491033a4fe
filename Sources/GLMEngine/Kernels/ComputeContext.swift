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

    /// Runs `body` over `0..<count` split into contiguous chunks, one per thread, and waits for all.
    public func parallelFor(_ count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        guard let pool, count > 1 else {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = ParallelJob(count: count, parts: min(threads, count), body: body)
            withUnsafeMutablePointer(to: &job) { job in
                ck_pool_run(pool, { context, index in
                    guard let job = context?.assumingMemoryBound(to: ParallelJob.self) else { return }
                    job.pointee.runPart(Int(index))
                }, job)
            }
        }
    }

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
    let body: (Range<Int>) -> Void

    func runPart(_ index: Int) {
        guard index < parts else { return }
        let start = count * index / parts
        let end = count * (index + 1) / parts
        if start < end { body(start..<end) }
    }
}
