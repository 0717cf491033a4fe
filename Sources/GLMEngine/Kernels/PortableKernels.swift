import Foundation

/// The kernels in Swift SIMD types only: the fallback for CPUs without AVX2, and the measure of
/// how far plain Swift gets (integer lanes widen to 16/32 bits, so it is well below the C paths).
enum PortableKernels {
    /// One row of Q4_0 / Q8_0 weights against a quantized activation.
    static func dot(_ type: StorageType, _ row: UnsafeRawPointer, _ a: QuantizedActivation) -> Float {
        var sum: Float = 0
        for b in 0..<a.blocks {
            let xq = UnsafeRawPointer(a.q.pointer + b * 32)
            let x0 = SIMD16<Int16>(truncatingIfNeeded: xq.loadUnaligned(as: SIMD16<Int8>.self))
            let x1 = SIMD16<Int16>(truncatingIfNeeded: xq.loadUnaligned(fromByteOffset: 16, as: SIMD16<Int8>.self))
            let isum: Int32
            let dw: Float
            if type == .q4_0 {
                let block = row + b * QuantBlock.q4_0Bytes
                dw = HalfFloat.float(f16Bits: block.loadUnaligned(as: UInt16.self))
                let bytes = block.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
                let lo = SIMD16<Int16>(truncatingIfNeeded: bytes & 0x0F) &- 8
                let hi = SIMD16<Int16>(truncatingIfNeeded: bytes &>> 4) &- 8
                // |(q-8) x| <= 1016, two per lane, 16 lanes: fits Int16
                isum = Int32((lo &* x0 &+ hi &* x1).wrappedSum())
            } else {
                let block = row + b * QuantBlock.q8_0Bytes
                dw = HalfFloat.float(f16Bits: block.loadUnaligned(as: UInt16.self))
                let w0 = SIMD16<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
                let w1 = SIMD16<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
                isum = (w0 &* SIMD16<Int32>(truncatingIfNeeded: x0) &+ w1 &* SIMD16<Int32>(truncatingIfNeeded: x1)).wrappedSum()
            }
            sum += Float(isum) * (dw * a.d[b])
        }
        return sum
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var s = (acc0 + acc1).sum()
        while i < count {
            s += a[i] * b[i]
            i += 1
        }
        return s
    }

    /// fp16 row (raw bits) against floats.
    static func dotF16(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, count: Int) -> Float {
        var s: Float = 0
        for i in 0..<count { s += HalfFloat.float(f16Bits: row.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) * x[i] }
        return s
    }
}
