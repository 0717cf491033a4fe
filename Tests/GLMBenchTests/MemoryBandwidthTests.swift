import CKernels
import Testing
@testable import GLMEngine

/// The bandwidth probe's C read loop against a plain sum: small whole numbers, so that every
/// partial sum is exact in Float and the two must agree to the bit.
@Suite struct MemoryBandwidthTests {
    #if arch(x86_64)
    @Test(.enabled(if: KernelPath.avx2.isSupported, "the probe's vector read loop needs AVX2"),
          arguments: [128, 384, 1 << 20])
    func readLoopSumsWhatAPlainLoopSums(_ bytes: Int) {
        let floats = (0..<bytes / 4).map { Float(($0 * 7 + 3) % 16) }
        let expected = floats.reduce(0, +)
        let sum = floats.withUnsafeBytes { ck_read_sum_avx2($0.baseAddress, bytes) }
        #expect(sum == expected)
    }
    #endif
}
