/// Scalar dequantizers for ggml's 256-element super-block types (the k-quants and IQ4_XS), bit for
/// bit ggml's `dequantize_row_*`: the same float operations in the same order. The scale unpacking
/// is shared with the dot-product references (`KQuantReference`), which must read the same numbers.
enum KQuantRows {
    /// Q2_K (84 bytes): 16 scale bytes (low nibble scale, high nibble min, one per 16 elements),
    /// 64 bytes of 2-bit quants, d, dmin. Element 128h + 32j + l (l < 32) is bits 2j of qs[32h + l].
    static func dequantizeQ2_K(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 84
            let d = LegacyBlockRows.half(block, 80), dmin = LegacyBlockRows.half(block, 82)
            let y = out + b * 256
            for e in 0..<256 {
                let sc = block.load(fromByteOffset: e / 16, as: UInt8.self)
                let dl = d * Float(sc & 0x0F), ml = dmin * Float(sc >> 4)
                y[e] = dl * Float(q2(block, e)) - ml
            }
        }
    }

    /// Q3_K (110 bytes): 32 bytes of high bits, 64 of 2-bit quants, 12 of 6-bit scales, d.
    /// Value = d * (scale - 32) * (low2 - (high bit set ? 0 : 4)), one scale per 16 elements.
    static func dequantizeQ3_K(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 110
            let d = LegacyBlockRows.half(block, 108)
            let scales = q3Scales(block)
            let y = out + b * 256
            for e in 0..<256 {
                let dl = d * Float(scales[e / 16] - 32)
                y[e] = dl * Float(q3(block, e))
            }
        }
    }

    /// Q4_K (144 bytes): d, dmin, 12 bytes of 6-bit scales and mins (one pair per 32 elements),
    /// 128 bytes of nibbles: qs[32g + l] holds element 64g + l (low) and 64g + 32 + l (high).
    /// Value = d * scale * q - dmin * min.
    static func dequantizeQ4_K(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 144
            let d = LegacyBlockRows.half(block, 0), dmin = LegacyBlockRows.half(block, 2)
            let y = out + b * 256
            for s in 0..<8 {
                let (sc, m) = scaleMin(block + 4, s)
                let d1 = d * Float(sc), m1 = dmin * Float(m)
                for l in 0..<32 { y[32 * s + l] = d1 * Float(q4(block + 16, 32 * s + l)) - m1 }
            }
        }
    }

    /// Q5_K (176 bytes): as Q4_K with a fifth bit: qh[l] bit s is the high bit of element 32s + l.
    static func dequantizeQ5_K(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 176
            let d = LegacyBlockRows.half(block, 0), dmin = LegacyBlockRows.half(block, 2)
            let y = out + b * 256
            for s in 0..<8 {
                let (sc, m) = scaleMin(block + 4, s)
                let d1 = d * Float(sc), m1 = dmin * Float(m)
                for l in 0..<32 { y[32 * s + l] = d1 * Float(q5(block, 32 * s + l)) - m1 }
            }
        }
    }

    /// Q6_K (210 bytes): 128 bytes of low nibbles, 64 of 2-bit highs, 16 signed 8-bit scales (one per
    /// 16 elements), d. Value = d * scale * (q - 32).
    static func dequantizeQ6_K(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 210
            let d = LegacyBlockRows.half(block, 208)
            let y = out + b * 256
            for e in 0..<256 {
                let sc = block.load(fromByteOffset: 192 + e / 16, as: Int8.self)
                y[e] = d * Float(sc) * Float(q6(block, e) - 32)
            }
        }
    }

    /// IQ4_XS (136 bytes): d, 2 high bits of each of 8 scales (uint16), 4 bytes of their low nibbles,
    /// 128 bytes of nibbles indexing the IQ4 levels (32-element groups laid out as IQ4_NL blocks).
    /// Value = d * (scale - 32) * level.
    static func dequantizeIQ4_XS(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / 256) {
            let block = src + b * 136
            let d = LegacyBlockRows.half(block, 0)
            let y = out + b * 256
            for g in 0..<8 {
                let dl = d * Float(iq4xsScale(block, g) - 32)
                for j in 0..<16 {
                    let byte = block.load(fromByteOffset: 8 + 16 * g + j, as: UInt8.self)
                    y[32 * g + j] = dl * Float(LegacyBlockRows.iq4Levels[Int(byte & 0x0F)])
                    y[32 * g + j + 16] = dl * Float(LegacyBlockRows.iq4Levels[Int(byte >> 4)])
                }
            }
        }
    }

    // MARK: unpacking, shared with the dot-product references

    /// Q2_K's 2-bit quant of element e (0...3).
    @inline(__always)
    static func q2(_ block: UnsafeRawPointer, _ e: Int) -> Int {
        let half = e / 128, j = (e % 128) / 32, l = e % 32
        return Int((block.load(fromByteOffset: 16 + 32 * half + l, as: UInt8.self) >> UInt8(2 * j)) & 3)
    }

    /// Q3_K's signed quant of element e (-4...3): the two low bits, minus 4 unless the high bit is set.
    @inline(__always)
    static func q3(_ block: UnsafeRawPointer, _ e: Int) -> Int {
        let half = e / 128, j = (e % 128) / 32, l = e % 32
        let low = Int((block.load(fromByteOffset: 32 + 32 * half + l, as: UInt8.self) >> UInt8(2 * j)) & 3)
        let high = block.load(fromByteOffset: l, as: UInt8.self) & (UInt8(1) << UInt8(4 * half + j))
        return low - (high != 0 ? 0 : 4)
    }

    /// Q3_K's 16 six-bit scales (0...63) from their 12 packed bytes: scale i has low four bits from
    /// byte i (i < 8) or the high nibble of byte i - 8, and bits 4-5 from byte 8 + i % 4, at 2 (i / 4).
    static func q3Scales(_ block: UnsafeRawPointer) -> [Int] {
        let s = block + 96
        return (0..<16).map { i in
            let low = i < 8 ? s.load(fromByteOffset: i, as: UInt8.self) & 0x0F : s.load(fromByteOffset: i - 8, as: UInt8.self) >> 4
            let high = (s.load(fromByteOffset: 8 + i % 4, as: UInt8.self) >> UInt8(2 * (i / 4))) & 3
            return Int(low | high << 4)
        }
    }

    /// Q4_K / Q5_K's nibble of element e (0...15) in the 128 bytes at `qs`.
    @inline(__always)
    static func q4(_ qs: UnsafeRawPointer, _ e: Int) -> Int {
        let byte = qs.load(fromByteOffset: 32 * (e / 64) + e % 32, as: UInt8.self)
        return Int(e % 64 < 32 ? byte & 0x0F : byte >> 4)
    }

    /// Q5_K's quant of element e (0...31).
    @inline(__always)
    static func q5(_ block: UnsafeRawPointer, _ e: Int) -> Int {
        let high = (block.load(fromByteOffset: 16 + e % 32, as: UInt8.self) >> UInt8(e / 32)) & 1
        return q4(block + 48, e) | Int(high) << 4
    }

    /// Q6_K's unsigned quant of element e (0...63). Element 128h + 32k + l (per 128-element half h):
    /// low four bits from ql[64h + l] (k = 0, 2) or ql[64h + 32 + l] (k = 1, 3), the low nibble for
    /// k < 2 and the high one after; bits 4-5 from bits 2k of qh[32h + l].
    @inline(__always)
    static func q6(_ block: UnsafeRawPointer, _ e: Int) -> Int {
        let half = e / 128, k = (e % 128) / 32, l = e % 32
        let byte = block.load(fromByteOffset: 64 * half + l + 32 * (k % 2), as: UInt8.self)
        let low = k < 2 ? byte & 0x0F : byte >> 4
        let high = (block.load(fromByteOffset: 128 + 32 * half + l, as: UInt8.self) >> UInt8(2 * k)) & 3
        return Int(low | high << 4)
    }

    /// Q4_K / Q5_K's scale and min of 32-element sub-block s (each 6 bits) from the 12 bytes at `p`:
    /// s < 4 in the low six bits of bytes s and s + 4; otherwise a nibble of byte s + 4 with the top
    /// two bits of bytes s - 4 and s.
    @inline(__always)
    static func scaleMin(_ p: UnsafeRawPointer, _ s: Int) -> (scale: Int, min: Int) {
        func byte(_ i: Int) -> UInt8 { p.load(fromByteOffset: i, as: UInt8.self) }
        if s < 4 { return (Int(byte(s) & 63), Int(byte(s + 4) & 63)) }
        return (Int((byte(s + 4) & 0x0F) | (byte(s - 4) >> 6) << 4), Int((byte(s + 4) >> 4) | (byte(s) >> 6) << 4))
    }

    /// IQ4_XS's six-bit scale of 32-element group g (0...63).
    @inline(__always)
    static func iq4xsScale(_ block: UnsafeRawPointer, _ g: Int) -> Int {
        let high = block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)
        let low = (block.load(fromByteOffset: 4 + g / 2, as: UInt8.self) >> UInt8(4 * (g % 2))) & 0x0F
        return Int(low) | Int((high >> UInt16(2 * g)) & 3) << 4
    }
}
