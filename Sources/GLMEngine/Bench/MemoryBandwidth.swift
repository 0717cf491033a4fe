import Foundation

/// Measures how fast the machine reads memory with every kernel thread, the ceiling for generation
/// (which reads every weight once per token).
public enum MemoryBandwidth {
    /// Bytes per second: the median of several timed passes summing a buffer much larger than the caches.
    public static func measure(compute: ComputeContext, bytes: Int = 1 << 30, passes: Int = 5) -> Double {
        let count = bytes / MemoryLayout<SIMD16<Float>>.stride
        let buffer = UnsafeMutablePointer<SIMD16<Float>>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: SIMD16<Float>(repeating: 1), count: count)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { sums.deallocate() }
        var rates: [Double] = []
        for _ in 0..<passes {
            let start = DispatchTime.now()
            compute.parallelFor(count) { range in
                // Four accumulators keep several loads in flight per thread.
                var a = SIMD16<Float>(), b = SIMD16<Float>(), c = SIMD16<Float>(), d = SIMD16<Float>()
                var i = range.lowerBound
                while i + 4 <= range.upperBound {
                    a += buffer[i]; b += buffer[i + 1]; c += buffer[i + 2]; d += buffer[i + 3]
                    i += 4
                }
                while i < range.upperBound { a += buffer[i]; i += 1 }
                sums[range.lowerBound] = (a + b + c + d).sum()
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            rates.append(Double(count * MemoryLayout<SIMD16<Float>>.stride) / seconds)
        }
        return rates.sorted()[rates.count / 2]
    }
}
