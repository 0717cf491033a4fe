import Foundation
@testable import GLMEngine

/// Random blocks of any quantized type: random quant and packed-scale bytes, with the fp16 scale
/// fields set so that the decoded weights have roughly `scale` spread and little mean (every bit
/// pattern of the quants and sub-block scales occurs; the decoding itself is pinned against
/// llama.cpp by the block fixture).
enum RandomBlocks {
    /// The types whose kernels live in ckernels_kquants.h.
    static let kquantTypes: [StorageType] = [.q4_1, .q5_0, .q5_1, .iq4_nl, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs]
    static let superBlockTypes: [StorageType] = [.q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .iq4_xs]

    /// (d, dmin or m) for a weight spread of `scale`: d over the typical product of the integer
    /// factors, and the min (or negative offset) that centres the weights.
    static func scaleFields(_ type: StorageType, scale: Float) -> [Float] {
        switch type {
        case .q4_0: return [scale / 8]
        case .q8_0: return [scale / 127]
        case .q4_1: return [scale / 8, -8 * scale / 8]
        case .q5_0: return [scale / 16]
        case .q5_1: return [scale / 16, -16 * scale / 16]
        case .iq4_nl: return [scale / 127]
        case .q2_K: return [scale / 22, 1.5 * scale / 22]
        case .q3_K: return [scale / 64]
        case .q4_K: return [scale / 472, 7.5 * scale / 472]
        case .q5_K: return [scale / 976, 15.5 * scale / 976]
        case .q6_K: return [scale / 2048]
        case .iq4_xs: return [scale / 2032]
        case .f32, .f16, .bf16: return []
        }
    }

    static func bytes(rows: Int, cols: Int, type: StorageType, seed: UInt64, scale: Float = 1) -> [UInt8] {
        precondition(type.isBlockQuantized && cols % type.blockElements == 0)
        var rng = SeededRandom(seed: seed)
        let geometry = GGMLBlockGeometry.of(type)
        var bytes = (0..<type.byteCount(elements: rows * cols)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let fields = scaleFields(type, scale: scale)
        for block in 0..<(bytes.count / geometry.bytes) {
            for (field, offset) in zip(fields, geometry.halfOffsets) {
                // vary each block's scale a little, as real blocks do
                let value = Float16(field * (0.75 + 0.5 * abs(rng.float())))
                let bits = value.bitPattern
                bytes[block * geometry.bytes + offset] = UInt8(truncatingIfNeeded: bits)
                bytes[block * geometry.bytes + offset + 1] = UInt8(truncatingIfNeeded: bits >> 8)
            }
        }
        return bytes
    }

    static func matrix(rows: Int, cols: Int, type: StorageType, seed: UInt64, scale: Float = 1) -> WeightMatrix {
        let data = bytes(rows: rows, cols: cols, type: type, seed: seed, scale: scale)
        let buffer = AlignedBuffer(byteCount: data.count)
        data.withUnsafeBytes { buffer.pointer.copyMemory(from: $0.baseAddress.unsafelyUnwrapped, byteCount: data.count) }
        return WeightMatrix(rows: rows, cols: cols, type: type, data: UnsafeRawPointer(buffer.pointer), owner: buffer)
    }

    /// Row r of w as floats (the reference dequantizer).
    static func dequantizedRow(_ w: WeightMatrix, _ r: Int) -> [Float] {
        var row = [Float](repeating: 0, count: w.cols)
        row.withUnsafeMutableBufferPointer { QuantRow.dequantize(w.type, w.rowPointer(r), count: w.cols, into: $0.baseAddress.unsafelyUnwrapped) }
        return row
    }
}

extension Array where Element == Float {
    /// Bit patterns, so that comparisons are exact (NaN included) and failures print them.
    var bits: [UInt32] { map(\.bitPattern) }
}
