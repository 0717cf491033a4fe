import Testing
@testable import GLMEngine

@Suite struct KernelsVectorTests {
    static let sizes = [1, 7, 8, 33, 4096, 13696]

    private func close(_ a: [Float], _ b: [Float], _ tolerance: Float) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test(arguments: sizes)
    func normsAndActivationsMatchReference(_ n: Int) {
        var rng = SeededRandom(seed: UInt64(n))
        let x = rng.floats(n, scale: 4), w = rng.floats(n), b = rng.floats(n)
        var fast = [Float](repeating: 0, count: n), slow = fast
        Kernels.rmsnorm(x, weight: w, eps: 1e-5, count: n, into: &fast)
        ReferenceKernels.rmsnorm(x, weight: w, eps: 1e-5, count: n, into: &slow)
        #expect(close(fast, slow, 1e-5))
        Kernels.siluGate(x, b, count: n, into: &fast)
        ReferenceKernels.siluGate(x, b, count: n, into: &slow)
        #expect(close(fast, slow, 1e-6))
        fast = x.map { $0 * 10 }
        slow = fast
        Kernels.softmax(&fast, count: n)
        ReferenceKernels.softmax(&slow, count: n)
        #expect(close(fast, slow, 1e-6))
        #expect(abs(fast.reduce(0, +) - 1) <= 1e-4)
    }

    @Test(arguments: sizes)
    func dotAndAxpyMatchReference(_ n: Int) {
        var rng = SeededRandom(seed: UInt64(n) + 1)
        let a = rng.floats(n), b = rng.floats(n)
        let scale = zip(a, b).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
        #expect(abs(Kernels.dot(a, b, count: n) - ReferenceKernels.dot(a, b, count: n)) <= 1e-6 * scale + 1e-7)
        var fast = b, slow = b
        Kernels.axpy(0.75, a, &fast, count: n)
        ReferenceKernels.axpy(0.75, a, &slow, count: n)
        #expect(fast == slow)
    }

    @Test(arguments: KernelPath.supported)
    func halfPrecisionHelpersMatchReference(_ path: KernelPath) {
        for n in Self.sizes {
            var rng = SeededRandom(seed: UInt64(n) + 2)
            var a = rng.floats(n, scale: 3)
            if n > 4 { a[1] = 1 + 0x1p-11; a[2] = 70000; a[3] = 0x1p-20 }  // tie, overflow, subnormal
            var fastH = [Float16](repeating: 0, count: n), slowH = fastH
            Kernels.toF16(a, &fastH, count: n, path: path)
            ReferenceKernels.toF16(a, &slowH, count: n)
            #expect(fastH.map(\.bitPattern) == slowH.map(\.bitPattern))
            var back = [Float](repeating: 0, count: n), slowBack = back
            Kernels.fromF16(fastH, &back, count: n, path: path)
            ReferenceKernels.fromF16(slowH, &slowBack, count: n)
            #expect(back.map(\.bitPattern) == slowBack.map(\.bitPattern))

            let h = rng.floats(n).map { Float16($0) }
            let scale = zip(a, h).reduce(Float(0)) { $0 + abs($1.0 * Float($1.1)) }
            let q = rng.floats(n)
            #expect(abs(Kernels.dot(q, h, count: n, path: path) - ReferenceKernels.dot(q, h, count: n)) <= 1e-6 * scale + 1e-6)
            var fast = q, slow = q
            Kernels.axpy(-1.5, h, &fast, count: n, path: path)
            ReferenceKernels.axpy(-1.5, h, &slow, count: n)
            #expect(close(fast, slow, 1e-6))
        }
    }
}
