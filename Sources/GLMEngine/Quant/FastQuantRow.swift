import CKernels

/// Row conversions with the vectorized C quantizers when the CPU has AVX2 + F16C; they write the
/// same bytes as `QuantRow` (the scalar reference), which tests check.
public enum FastQuantRow {
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, to type: StorageType,
                                into out: UnsafeMutableRawPointer, path: KernelPath = .best) {
        #if arch(x86_64)
        if path.hasF16C {
            switch type {
            case .q4_0: return ck_quantize_row_q4_0_avx2(x, Int64(count), out)
            case .q8_0: return ck_quantize_row_q8_0_avx2(x, Int64(count), out)
            case .f16: return ck_f32_to_f16_avx2(x, out.assumingMemoryBound(to: UInt16.self), Int64(count))
            case .f32, .bf16: break
            }
        }
        #endif
        QuantRow.quantize(x, count: count, to: type, into: out)
    }

    public static func dequantize(_ type: StorageType, _ src: UnsafeRawPointer, count: Int,
                                  into out: UnsafeMutablePointer<Float>, path: KernelPath = .best) {
        #if arch(x86_64)
        if type == .f16 && path.hasF16C && Int(bitPattern: src) % 2 == 0 {
            return ck_f16_to_f32_avx2(src.assumingMemoryBound(to: UInt16.self), out, Int64(count))
        }
        #endif
        QuantRow.dequantize(type, src, count: count, into: out)
    }
}
