import Foundation

/// Bit-exact 16-bit float encodings as ggml writes them.
public enum HalfFloat {
    /// IEEE fp16 bits of `x`, rounded to nearest even (ggml's FP32_TO_FP16 on F16C hardware does the same).
    @inline(__always)
    public static func f16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

    @inline(__always)
    public static func float(f16Bits bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

    /// bfloat16 bits of `x`, rounded to nearest even; NaN stays a (quiet) NaN, as in ggml's FP32_TO_BF16.
    @inline(__always)
    public static func bf16Bits(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if x.isNaN { return UInt16(truncatingIfNeeded: (u >> 16) | 64) }
        return UInt16(truncatingIfNeeded: (u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16)
    }

    @inline(__always)
    public static func float(bf16Bits bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// True when fp16 `bits` encode NaN or infinity (all exponent bits set).
    @inline(__always)
    public static func f16IsNonFinite(_ bits: UInt16) -> Bool { bits & 0x7C00 == 0x7C00 }

    @inline(__always)
    public static func bf16IsNonFinite(_ bits: UInt16) -> Bool { bits & 0x7F80 == 0x7F80 }
}
