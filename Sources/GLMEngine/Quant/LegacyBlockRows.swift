/// Scalar dequantizers for ggml's other 32-element block types, bit for bit ggml's
/// `dequantize_row_*` (same float operations in the same order; Swift never fuses a multiply and
/// an add, and ggml's reference is compiled without contraction).
/// Byte j of the nibbles holds element j (low nibble) and element j + 16 (high nibble).
enum LegacyBlockRows {
    /// IQ4_NL's and IQ4_XS's 16 non-linear levels (ggml's `kvalues_iq4nl`).
    static let iq4Levels: [Int8] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

    /// Q4_1: d, m (fp16), 16 bytes of nibbles; value = q * d + m.
    static func dequantizeQ4_1(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let block = src + b * 20
            let d = half(block, 0), m = half(block, 2)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                out[b * 32 + j] = Float(byte & 0x0F) * d + m
                out[b * 32 + j + 16] = Float(byte >> 4) * d + m
            }
        }
    }

    /// Q5_0: d, 32 high bits (bit j belongs to element j), nibbles; value = (q - 16) * d.
    static func dequantizeQ5_0(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let block = src + b * 22
            let d = half(block, 0)
            let high = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            for j in 0..<16 {
                let (q0, q1) = fiveBit(block.load(fromByteOffset: 6 + j, as: UInt8.self), high, j)
                out[b * 32 + j] = Float(q0 - 16) * d
                out[b * 32 + j + 16] = Float(q1 - 16) * d
            }
        }
    }

    /// Q5_1: d, m, high bits, nibbles; value = q * d + m.
    static func dequantizeQ5_1(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let block = src + b * 24
            let d = half(block, 0), m = half(block, 2)
            let high = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            for j in 0..<16 {
                let (q0, q1) = fiveBit(block.load(fromByteOffset: 8 + j, as: UInt8.self), high, j)
                out[b * 32 + j] = Float(q0) * d + m
                out[b * 32 + j + 16] = Float(q1) * d + m
            }
        }
    }

    /// IQ4_NL: d, nibbles indexing `iq4Levels`; value = d * level.
    static func dequantizeIQ4_NL(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 32) {
            let block = src + b * 18
            let d = half(block, 0)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                out[b * 32 + j] = d * Float(iq4Levels[Int(byte & 0x0F)])
                out[b * 32 + j + 16] = d * Float(iq4Levels[Int(byte >> 4)])
            }
        }
    }

    /// Elements j and j + 16 of a Q5 block: their nibbles of `byte` with bits j and j + 16 of `high` on top.
    @inline(__always)
    static func fiveBit(_ byte: UInt8, _ high: UInt32, _ j: Int) -> (Int, Int) {
        let h0 = Int((high >> UInt32(j)) & 1) << 4
        let h1 = Int((high >> UInt32(j + 16)) & 1) << 4
        return (Int(byte & 0x0F) | h0, Int(byte >> 4) | h1)
    }

    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        HalfFloat.float(f16Bits: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
