import Testing
@testable import GLMEngine

/// The vectorized quantizers must write exactly the scalar reference's bytes.
@Suite struct QuantFastRowTests {
    /// Random blocks plus the cases where rounding and sign rules matter.
    static func awkwardRow() -> [Float] {
        var rng = SeededRandom(seed: 1234)
        var x = rng.floats(32 * 12, scale: 3)
        // block 1: halves after scaling (amax 127 -> d = 1): 63.5, -63.5, 2.5, -0.5
        for j in 0..<32 { x[32 + j] = 0 }
        x[32] = 127; x[33] = 63.5; x[34] = -63.5; x[35] = 2.5; x[36] = -0.5
        // block 2: all zeros, the first one negative zero
        for j in 0..<32 { x[64 + j] = 0 }
        x[64] = -0.0
        // block 3: equal magnitudes, negative first
        for j in 0..<32 { x[96 + j] = Float(j) / 32 }
        x[100] = -5; x[120] = 5
        // block 4: one tiny value among zeros; block 5: huge values
        for j in 0..<32 { x[128 + j] = 0; x[160 + j] = Float(j - 16) * 1e30 }
        x[140] = 1e-30
        // block 6: values landing exactly on q4 boundaries (x * id + 8.5 integral) for d = -1
        for j in 0..<32 { x[192 + j] = Float(j % 17) - 8.5 }
        x[192] = 8
        return x
    }

    @Test(.enabled(if: KernelPath.best.hasF16C, "the vectorized quantizers need AVX2 and F16C"),
          arguments: [StorageType.q4_0, .q8_0, .f16])
    func vectorizedRowsMatchReferenceBytes(_ type: StorageType) {
        let x = Self.awkwardRow()
        let bytes = type.byteCount(elements: x.count)
        var fast = [UInt8](repeating: 0xAA, count: bytes), slow = [UInt8](repeating: 0x55, count: bytes)
        x.withUnsafeBufferPointer { xp in
            let base = xp.baseAddress.unsafelyUnwrapped
            fast.withUnsafeMutableBytes { FastQuantRow.quantize(base, count: x.count, to: type, into: $0.baseAddress.unsafelyUnwrapped) }
            slow.withUnsafeMutableBytes { QuantRow.quantize(base, count: x.count, to: type, into: $0.baseAddress.unsafelyUnwrapped) }
        }
        for b in 0..<(bytes / type.byteCount(elements: 32)) {
            let size = type.byteCount(elements: 32)
            #expect(fast[b * size..<(b + 1) * size] == slow[b * size..<(b + 1) * size], "\(type) block \(b)")
        }
    }

    @Test(.enabled(if: KernelPath.best.hasF16C, "the vectorized activation quantizer needs AVX2 and F16C"))
    func vectorizedActivationMatchesScalar() {
        for count in [32, 96, 4096, 13696] {
            var x = Self.awkwardRow()
            var rng = SeededRandom(seed: UInt64(count))
            x += rng.floats(max(0, count - x.count))
            x = Array(x.prefix(count))
            let fast = QuantizedActivation(), slow = QuantizedActivation()
            x.withUnsafeBufferPointer {
                fast.quantize($0.baseAddress.unsafelyUnwrapped, count: count, vectorized: true)
                slow.quantize($0.baseAddress.unsafelyUnwrapped, count: count, vectorized: false)
            }
            let blocks = count / 32, pairs = (blocks + 1) / 2
            #expect(Array(UnsafeBufferPointer(start: fast.q.pointer, count: count)) == Array(UnsafeBufferPointer(start: slow.q.pointer, count: count)))
            #expect(Array(UnsafeBufferPointer(start: fast.d.pointer, count: blocks)) == Array(UnsafeBufferPointer(start: slow.d.pointer, count: blocks)))
            #expect(Array(UnsafeBufferPointer(start: fast.sum.pointer, count: blocks)) == Array(UnsafeBufferPointer(start: slow.sum.pointer, count: blocks)))
            let f = fast.cView, s = slow.cView
            #expect(Array(UnsafeBufferPointer(start: f.q, count: pairs * 64)) == Array(UnsafeBufferPointer(start: s.q, count: pairs * 64)))
            #expect(Array(UnsafeBufferPointer(start: f.d, count: pairs * 8)) == Array(UnsafeBufferPointer(start: s.d, count: pairs * 8)))
            #expect(Array(UnsafeBufferPointer(start: f.bias4, count: pairs * 8)) == Array(UnsafeBufferPointer(start: s.bias4, count: pairs * 8)))
            #expect(Array(UnsafeBufferPointer(start: f.bias8, count: pairs * 8)) == Array(UnsafeBufferPointer(start: s.bias8, count: pairs * 8)))
        }
    }
}
