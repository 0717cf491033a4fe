import Foundation

/// Scalar row quantizers and dequantizers, bit-for-bit ggml's reference versions
/// (`quantize_row_q4_0_ref`, `quantize_row_q8_0_ref`, `dequantize_row_*`). Rows are read and
/// written through raw pointers with byte offsets, so no alignment is assumed.
public enum QuantRow {
    /// Q4_0: d = max / -8 where max is the element of largest magnitude (sign kept),
    /// q = min(15, trunc(x / d + 8.5)).
    public static func quantizeQ4_0(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutableRawPointer) {
        precondition(count % QuantBlock.elements == 0, "Q4_0 rows hold whole blocks")
        for b in 0..<(count / QuantBlock.elements) {
            let src = x + b * 32
            var amax: Float = 0
            var max: Float = 0
            for j in 0..<32 where amax < abs(src[j]) {
                amax = abs(src[j])
                max = src[j]
            }
            let d = max / -8
            let id: Float = d != 0 ? 1 / d : 0
            let block = out + b * QuantBlock.q4_0Bytes
            block.storeBytes(of: HalfFloat.f16Bits(d), toByteOffset: 0, as: UInt16.self)
            for j in 0..<16 {
                let q0 = Swift.min(15, truncatingToInt8(src[j] * id + 8.5))
                let q1 = Swift.min(15, truncatingToInt8(src[j + 16] * id + 8.5))
                let byte = UInt8(truncatingIfNeeded: q0) | (UInt8(truncatingIfNeeded: q1) << 4)
                block.storeBytes(of: byte, toByteOffset: 2 + j, as: UInt8.self)
            }
        }
    }

    /// Q8_0: d = amax / 127, q = round(x / d) (halves away from zero, as C's roundf).
    public static func quantizeQ8_0(_ x: UnsafePointer<Float>, count: Int, into out: UnsafeMutableRawPointer) {
        precondition(count % QuantBlock.elements == 0, "Q8_0 rows hold whole blocks")
        quantizeQ8Blocks(x, count: count, width: QuantBlock.elements, into: out)
    }

    /// Q8_0's arithmetic on blocks of `width` values (32 for ggml's block_q8_0; the KV cache also
    /// uses 16 for heads 32 does not divide): an f16 scale, then `width` int8 values per block.
    static func quantizeQ8Blocks(_ x: UnsafePointer<Float>, count: Int, width: Int, into out: UnsafeMutableRawPointer) {
        for b in 0..<(count / width) {
            let src = x + b * width
            let (d, id) = q8Scale(src, width: width)
            let block = out + b * (2 + width)
            block.storeBytes(of: HalfFloat.f16Bits(d), toByteOffset: 0, as: UInt16.self)
            for j in 0..<width {
                block.storeBytes(of: roundedToInt8(src[j] * id), toByteOffset: 2 + j, as: Int8.self)
            }
        }
    }

    /// The Q8_0 block scale and its inverse (the quants use the unrounded inverse, as ggml does).
    @inline(__always)
    static func q8Scale(_ src: UnsafePointer<Float>, width: Int = QuantBlock.elements) -> (d: Float, id: Float) {
        var amax: Float = 0
        for j in 0..<width { amax = Swift.max(amax, abs(src[j])) }
        let d = amax / 127
        return (d, d != 0 ? 1 / d : 0)
    }

    public static func dequantizeQ4_0(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / QuantBlock.elements) {
            let block = src + b * QuantBlock.q4_0Bytes
            let d = HalfFloat.float(f16Bits: block.loadUnaligned(as: UInt16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                out[b * 32 + j] = Float(Int(byte & 0x0F) - 8) * d
                out[b * 32 + j + 16] = Float(Int(byte >> 4) - 8) * d
            }
        }
    }

    public static func dequantizeQ8_0(_ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / QuantBlock.elements) {
            let block = src + b * QuantBlock.q8_0Bytes
            let d = HalfFloat.float(f16Bits: block.loadUnaligned(as: UInt16.self))
            for j in 0..<32 {
                out[b * 32 + j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d
            }
        }
    }

    /// Writes `count` floats as one row of `type`.
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, to type: StorageType,
                                into out: UnsafeMutableRawPointer) {
        switch type {
        case .f32:
            out.copyMemory(from: x, byteCount: count * 4)
        case .f16:
            for i in 0..<count { out.storeBytes(of: HalfFloat.f16Bits(x[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { out.storeBytes(of: HalfFloat.bf16Bits(x[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0:
            quantizeQ8_0(x, count: count, into: out)
        case .q4_0:
            quantizeQ4_0(x, count: count, into: out)
        case .q4_1, .q5_0, .q5_1, .iq4_nl, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs:
            preconditionFailure("glmchat reads \(type.rawValue) but does not write it (callers check isWritable)")
        }
    }

    /// Reads one row of `type` as `count` floats.
    public static func dequantize(_ type: StorageType, _ src: UnsafeRawPointer, count: Int,
                                  into out: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: count * 4)
        case .f16:
            for i in 0..<count {
                out[i] = HalfFloat.float(f16Bits: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        case .bf16:
            for i in 0..<count {
                out[i] = HalfFloat.float(bf16Bits: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
            }
        case .q8_0:
            dequantizeQ8_0(src, count: count, into: out)
        case .q4_0:
            dequantizeQ4_0(src, count: count, into: out)
        case .q4_1: LegacyBlockRows.dequantizeQ4_1(src, count: count, into: out)
        case .q5_0: LegacyBlockRows.dequantizeQ5_0(src, count: count, into: out)
        case .q5_1: LegacyBlockRows.dequantizeQ5_1(src, count: count, into: out)
        case .iq4_nl: LegacyBlockRows.dequantizeIQ4_NL(src, count: count, into: out)
        case .q2_K: KQuantRows.dequantizeQ2_K(src, count: count, into: out)
        case .q3_K: KQuantRows.dequantizeQ3_K(src, count: count, into: out)
        case .q4_K: KQuantRows.dequantizeQ4_K(src, count: count, into: out)
        case .q5_K: KQuantRows.dequantizeQ5_K(src, count: count, into: out)
        case .q6_K: KQuantRows.dequantizeQ6_K(src, count: count, into: out)
        case .iq4_xs: KQuantRows.dequantizeIQ4_XS(src, count: count, into: out)
        }
    }

    /// C's `(int8_t)v` for the values the quantizers produce; NaN (only from non-finite input) gives 0
    /// instead of trapping.
    @inline(__always)
    static func truncatingToInt8(_ v: Float) -> Int8 {
        guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? 127 : -128) }
        return Int8(Swift.max(-128, Swift.min(127, v.rounded(.towardZero))))
    }

    /// C's `(int8_t)roundf(v)` for |v| <= 127.
    @inline(__always)
    static func roundedToInt8(_ v: Float) -> Int8 { truncatingToInt8(v.rounded(.toNearestOrAwayFromZero)) }
}
