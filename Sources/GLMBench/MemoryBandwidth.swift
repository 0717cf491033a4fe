import CKernels
import Foundation
import GLMEngine

/// Measures how fast the machine reads memory with every kernel thread, the ceiling for generation
/// (which reads every weight once per token).
public enum MemoryBandwidth {
    /// Bytes per second of several timed passes, each summing a buffer much larger than the caches.
    /// The buffer is in huge pages as the weights are (4 KB pages read measurably slower, and a
    /// ceiling measured on them would flatter the ratio). On a shared machine the passes spread
    /// widely, so callers take passes before and after their own measurement and use the median.
    public static func samples(compute: ComputeContext, bytes: Int = 512 << 20, passes: Int = 5) -> [Double] {
        let storage = AlignedBuffer(byteCount: bytes / Probe.chunk * Probe.chunk)
        storage.pointer.bindMemory(to: Float.self, capacity: storage.byteCount / 4)
            .initialize(repeating: 1, count: storage.byteCount / 4)
        let probe = Probe(regions: [UnsafeRawBufferPointer(start: storage.pointer, count: storage.byteCount)],
                          compute: compute)
        return (0..<passes).map { _ in probe.pass() }
    }

    /// One timed read of memory that is already resident, with every kernel thread, in 1 MB pieces.
    /// Between generated tokens the bench reads part of the weights this way: the machine's
    /// bandwidth swings with its other tenants (a second apart, 30 and 55 GB/s here), so only a
    /// probe taken at the same moments as the tokens says what share of it generation used.
    public final class Probe {
        static let chunk = 1 << 20
        private let chunks: [UnsafeRawPointer]
        private let sums: UnsafeMutablePointer<Float>
        private let compute: ComputeContext
        public let bytes: Int

        /// `regions` must stay valid while the probe is used; bytes past their last whole 1 MB are not read.
        public init(regions: [UnsafeRawBufferPointer], compute: ComputeContext) {
            var chunks: [UnsafeRawPointer] = []
            for region in regions {
                guard let base = region.baseAddress else { continue }
                for c in 0..<region.count / Self.chunk { chunks.append(base + c * Self.chunk) }
            }
            self.chunks = chunks
            self.compute = compute
            bytes = chunks.count * Self.chunk
            sums = .allocate(capacity: max(1, chunks.count))
        }

        deinit { sums.deallocate() }

        /// Bytes per second of one pass over the regions.
        public func pass() -> Double {
            let vectorized = compute.path.hasF16C
            let start = DispatchTime.now()
            compute.parallelFor(chunks.count) { range in
                for c in range { sums[c] = vectorized ? vectorSum(chunks[c], Self.chunk) : scalarSum(chunks[c], Self.chunk) }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            return Double(bytes) / seconds
        }
    }

    /// The C read loop where there is one (plain loads; see bandwidth_avx2.c).
    private static func vectorSum(_ p: UnsafeRawPointer, _ n: Int) -> Float {
        #if arch(x86_64)
        return ck_read_sum_avx2(p, n)
        #else
        return scalarSum(p, n)
        #endif
    }

    private static func scalarSum(_ p: UnsafeRawPointer, _ n: Int) -> Float {
        let v = p.bindMemory(to: SIMD8<Float>.self, capacity: n / 32)
        var a = SIMD8<Float>(), b = SIMD8<Float>()
        var i = 0
        while i + 2 <= n / 32 { a += v[i]; b += v[i + 1]; i += 2 }
        return (a + b).sum()
    }
}
