import CKernels
import Foundation

/// Measures how fast the machine reads memory with every kernel thread, the ceiling for generation
/// (which reads every weight once per token).
public enum MemoryBandwidth {
    /// Bytes per second of several timed passes, each summing a buffer much larger than the caches.
    /// The buffer is in huge pages as the weights are (4 KB pages read measurably slower, and a
    /// ceiling measured on them would flatter the ratio). On a shared machine the passes spread
    /// widely, so callers take passes before and after their own measurement and use the median.
    public static func samples(compute: ComputeContext, bytes: Int = 512 << 20, passes: Int = 5) -> [Double] {
        let chunk = 1 << 20
        let chunks = bytes / chunk
        let storage = AlignedBuffer(byteCount: chunks * chunk)
        let floats = storage.pointer.bindMemory(to: Float.self, capacity: chunks * chunk / 4)
        floats.initialize(repeating: 1, count: chunks * chunk / 4)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: chunks)
        defer { sums.deallocate() }
        let vectorized = compute.path.hasF16C
        var rates: [Double] = []
        for _ in 0..<passes {
            let start = DispatchTime.now()
            compute.parallelFor(chunks) { range in
                for c in range {
                    let base = storage.pointer + c * chunk
                    sums[c] = vectorized ? ck_read_sum_avx2(base, chunk) : scalarSum(base, chunk)
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            rates.append(Double(chunks * chunk) / seconds)
        }
        return rates
    }

    private static func scalarSum(_ p: UnsafeMutableRawPointer, _ n: Int) -> Float {
        let v = p.bindMemory(to: SIMD8<Float>.self, capacity: n / 32)
        var a = SIMD8<Float>(), b = SIMD8<Float>()
        var i = 0
        while i + 2 <= n / 32 { a += v[i]; b += v[i + 1]; i += 2 }
        return (a + b).sum()
    }

    public static func median(_ samples: [Double]) -> Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}
