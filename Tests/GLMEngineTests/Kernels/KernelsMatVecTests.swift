import Testing
@testable import GLMEngine

@Suite struct KernelsMatVecTests {
    static let shapes: [(rows: Int, cols: Int)] = [(1, 32), (3, 64), (7, 96), (17, 160), (5, 13696), (9, 8224), (33, 4096)]
    static let types: [StorageType] = [.q4_0, .q8_0, .f32, .f16, .bf16]

    @Test(arguments: KernelPath.supported, types)
    func fastMatchesReference(_ path: KernelPath, _ type: StorageType) {
        let ctx = ComputeContext(threads: 1, path: path)
        for (i, shape) in Self.shapes.enumerated() {
            let w = randomMatrix(rows: shape.rows, cols: shape.cols, type: type, seed: UInt64(i + 1))
            var rng = SeededRandom(seed: UInt64(100 + i))
            let x = rng.floats(shape.cols, scale: 2)
            let expected = referenceMatVec(w, x)
            let got = fastMatVec(w, x, ctx)
            let scale = magnitudes(w, x)
            for r in 0..<shape.rows {
                #expect(abs(got[r] - expected[r]) <= 2e-6 * scale[r] + 1e-6,
                        "\(path) \(type) \(shape) row \(r): \(got[r]) vs \(expected[r])")
            }
            if path == .portable && type.isBlockQuantized {
                #expect(got == expected, "Swift SIMD integer path sums in the reference's order")
            }
        }
    }

    @Test(arguments: KernelPath.supported)
    func threadCountDoesNotChangeResults(_ path: KernelPath) {
        let one = ComputeContext(threads: 1, path: path)
        let two = ComputeContext(threads: 2, path: path)
        let three = ComputeContext(threads: 3, path: path)
        for type in Self.types {
            for cols in [256, 8224] {  // short rows, and long rows (four-row kernel)
                let w = randomMatrix(rows: 37, cols: cols, type: type, seed: 9)
                var rng = SeededRandom(seed: 10)
                let x = rng.floats(cols)
                let a = fastMatVec(w, x, one)
                #expect(fastMatVec(w, x, two) == a, "\(type) \(cols)")
                #expect(fastMatVec(w, x, three) == a, "\(type) \(cols)")
            }
        }
    }

    @Test func quantizedMatVecStaysCloseToFloatMaths() {
        // Quantizing the activation to 8 bits costs at most about half a step per element.
        let w = randomMatrix(rows: 8, cols: 4096, type: .q4_0, seed: 21)
        var rng = SeededRandom(seed: 22)
        let x = rng.floats(4096)
        let y = fastMatVec(w, x, ComputeContext(threads: 1))
        var row = [Float](repeating: 0, count: 4096)
        for r in 0..<8 {
            row.withUnsafeMutableBufferPointer { Kernels.dequantizeRow(w, r, into: $0.baseAddress.unsafelyUnwrapped) }
            let exact = zip(row, x).reduce(0) { $0 + $1.0 * $1.1 }
            let bound = row.reduce(0) { $0 + abs($1) } / 254
            #expect(abs(y[r] - exact) <= bound)
        }
    }

    @Test func activationQuantizationMatchesQ8_0Blocks() {
        var rng = SeededRandom(seed: 31)
        var x = rng.floats(128, scale: 5)
        x[3] = 0
        for i in 32..<64 { x[i] = 0 }  // an all-zero block
        let act = QuantizedActivation()
        x.withUnsafeBufferPointer { act.quantize($0.baseAddress.unsafelyUnwrapped, count: 128) }
        let blocks = Quant.quantize(rows: [x], to: .q8_0)
        for b in 0..<4 {
            let block = UnsafeRawPointer(blocks.pointer) + b * 34
            #expect(act.d[b] == HalfFloat.float(f16Bits: block.loadUnaligned(as: UInt16.self)))
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = block.load(fromByteOffset: 2 + j, as: Int8.self)
                #expect(act.q[b * 32 + j] == q)
                sum += Int32(q)
            }
            #expect(act.sum[b] == sum)
        }
    }
}
