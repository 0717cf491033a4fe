import Testing
@testable import GLMEngine

@Suite struct QuantRoundTripTests {
    /// Max |x - dequantize(quantize(x))| allowed in a block whose largest magnitude is amax.
    private func bound(_ type: StorageType, amax: Float) -> Float {
        switch type {
        case .q4_0: return amax / 8 * 1.001 + 1e-7         // one step (the clipped extreme), fp16 scale slack
        case .q8_0: return amax / 254 + amax / 1024 + 1e-7 // half a step plus fp16 scale rounding
        case .f16: return amax / 1024
        case .bf16: return amax / 128
        case .f32: return 0
        default: preconditionFailure("glmchat does not write \(type)")
        }
    }

    @Test(arguments: [StorageType.q4_0, .q8_0, .f16, .bf16, .f32])
    func dequantizedValuesStayWithinOneStep(_ type: StorageType) {
        var rng = SeededRandom(seed: 7)
        let rows = 5, cols = 96
        var values = rng.floats(rows * cols, scale: 3)
        values[40] = 1e-3  // a block with a tiny element next to big ones
        let buffer = values.withUnsafeBufferPointer {
            Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: rows, cols: cols, to: type)
        }
        #expect(buffer.byteCount == rows * type.byteCount(elements: cols))
        let back = Quant.dequantize(buffer.pointer, type: type, rows: rows, cols: cols)
        for block in stride(from: 0, to: values.count, by: 32) {
            let slice = values[block..<block + 32]
            let amax = slice.map(abs).max() ?? 0
            for i in block..<block + 32 {
                #expect(abs(back[i] - values[i]) <= bound(type, amax: amax), "element \(i)")
            }
        }
    }

    @Test func requantizingDequantizedQ4_0IsStable() {
        // Dequantized Q4_0 values quantize back to the same bytes (the grid is reproduced exactly).
        var rng = SeededRandom(seed: 11)
        let values = rng.floats(4 * 64)
        let first = values.withUnsafeBufferPointer { Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: 4, cols: 64, to: .q4_0) }
        let back = Quant.dequantize(first.pointer, type: .q4_0, rows: 4, cols: 64)
        let second = back.withUnsafeBufferPointer { Quant.quantize($0.baseAddress.unsafelyUnwrapped, rows: 4, cols: 64, to: .q4_0) }
        let a = UnsafeRawBufferPointer(start: first.pointer, count: first.byteCount)
        let b = UnsafeRawBufferPointer(start: second.pointer, count: second.byteCount)
        #expect(Array(a) == Array(b))
    }

    @Test func rowsOfFloatsQuantizeLikeAFlatMatrix() {
        let rows: [[Float]] = [(0..<32).map(Float.init), (0..<32).map { -Float($0) / 4 }]
        let buffer = Quant.quantize(rows: rows, to: .q8_0)
        let back = Quant.dequantize(buffer.pointer, type: .q8_0, rows: 2, cols: 32)
        // Each row's largest element is 127 steps of its own fp16 scale.
        #expect(back[31] == 127 * HalfFloat.float(f16Bits: 0x33D0))
        #expect(back[63] == -127 * HalfFloat.float(f16Bits: HalfFloat.f16Bits(7.75 / 127)))
    }
}
