/// The size of one block of each storage type, as ggml's `ggml-common.h` lays the blocks out.
/// 32-element blocks: an fp16 scale (and fp16 min for the `_1` types), the high bits (Q5), the
/// nibbles or bytes. 256-element "super-blocks" (the k-quants and IQ4_XS): sub-block scales packed
/// in 4, 6 or 8 bits under one or two fp16 super-block scales.
public struct GGMLBlockGeometry: Sendable, Equatable {
    public let elements: Int
    public let bytes: Int

    /// Byte offsets of the block's fp16 scales (and mins), the only floats a quantized block holds.
    public let halfOffsets: [Int]

    /// The k-quants' super-block.
    public static let superBlock = 256

    public static func of(_ type: StorageType) -> GGMLBlockGeometry {
        switch type {
        case .f32: return GGMLBlockGeometry(elements: 1, bytes: 4, halfOffsets: [])
        case .f16, .bf16: return GGMLBlockGeometry(elements: 1, bytes: 2, halfOffsets: [])
        case .q4_0, .iq4_nl: return GGMLBlockGeometry(elements: 32, bytes: 18, halfOffsets: [0])   // d, qs[16]
        case .q4_1: return GGMLBlockGeometry(elements: 32, bytes: 20, halfOffsets: [0, 2])            // d, m, qs[16]
        case .q5_0: return GGMLBlockGeometry(elements: 32, bytes: 22, halfOffsets: [0])            // d, qh[4], qs[16]
        case .q5_1: return GGMLBlockGeometry(elements: 32, bytes: 24, halfOffsets: [0, 2])            // d, m, qh[4], qs[16]
        case .q8_0: return GGMLBlockGeometry(elements: 32, bytes: 34, halfOffsets: [0])            // d, qs[32]
        case .q2_K: return GGMLBlockGeometry(elements: 256, bytes: 84, halfOffsets: [80, 82])           // scales[16], qs[64], d, dmin
        case .q3_K: return GGMLBlockGeometry(elements: 256, bytes: 110, halfOffsets: [108])          // hmask[32], qs[64], scales[12], d
        case .q4_K: return GGMLBlockGeometry(elements: 256, bytes: 144, halfOffsets: [0, 2])          // d, dmin, scales[12], qs[128]
        case .q5_K: return GGMLBlockGeometry(elements: 256, bytes: 176, halfOffsets: [0, 2])          // d, dmin, scales[12], qh[32], qs[128]
        case .q6_K: return GGMLBlockGeometry(elements: 256, bytes: 210, halfOffsets: [208])          // ql[128], qh[64], scales[16], d
        case .iq4_xs: return GGMLBlockGeometry(elements: 256, bytes: 136, halfOffsets: [0])        // d, scales_h, scales_l[4], qs[128]
        }
    }
}
