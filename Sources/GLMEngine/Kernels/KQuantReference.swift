import Foundation

/// The scalar twins of the kernels in ckernels_kquants.h, element by element: what every path
/// (portable C, AVX2, AVX-512 VNNI) must compute bit for bit. Weights are read through the same
/// unpacking as the dequantizers (`KQuantRows`, `LegacyBlockRows`), which tests check against ggml.
///
/// The contract, per row, one float accumulator starting at 0, blocks in order:
/// - 32-element types: dot = the exact integer sum of weight x activation quant over the block
///   (Q5_0's weights are its 5-bit quants minus 16, taken off as 16 x sum(x)); acc = fma(dot,
///   d_w x d_x, acc); then for Q4_1 / Q5_1 acc = fma(sum(x), m_w x d_x, acc).
/// - Super-block types: dot = the exact integer sum of sub-block scale x weight x quant over 256
///   elements (an offset o of unsigned weights, Q3_K 4 and Q6_K 32, taken off as o x the sum over
///   16-element groups of scale x group sum); acc = fma(dot, d_x x d_w, acc); then for the types
///   with mins (Q2_K, Q4_K, Q5_K) acc = fma(sum of min x group sum, -(d_x x dmin), acc).
public enum KQuantReference {
    public static func matVec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              rows: Range<Int>) {
        if w.type.usesSuperBlockActivation {
            let act = quantizeQ8K(x, count: w.cols)
            for r in rows { y[r] = superBlockRow(w.type, w.rowPointer(r), act) }
        } else {
            let act = Q8Blocks(x, count: w.cols)
            for r in rows { y[r] = pairedRow(w.type, w.rowPointer(r), act) }
        }
    }

    // MARK: activations

    /// A vector as ggml's Q8_K: per 256 elements a scale, quants and the sums of each 16.
    public struct Q8K {
        public var q: [Int8]
        public var d: [Float]
        public var bsums: [Int16]
    }

    /// ggml's `quantize_row_q8_K_ref`: scale -127 / max (the signed element of largest magnitude,
    /// the first on ties), quants rounded half to even and capped at 127, d = 1 / scale.
    public static func quantizeQ8K(_ x: UnsafePointer<Float>, count: Int) -> Q8K {
        let n = count / 256
        var out = Q8K(q: [Int8](repeating: 0, count: count), d: [Float](repeating: 0, count: n),
                      bsums: [Int16](repeating: 0, count: 16 * n))
        for i in 0..<n {
            let src = x + 256 * i
            var max: Float = 0, amax: Float = 0
            for j in 0..<256 where abs(src[j]) > amax {
                amax = abs(src[j])
                max = src[j]
            }
            guard amax != 0 else { continue }
            let iscale = -127 / max
            for j in 0..<256 { out.q[256 * i + j] = Int8(truncatingIfNeeded: Swift.min(127, nearestInt(iscale * src[j]))) }
            for g in 0..<16 {
                out.bsums[16 * i + g] = Int16((0..<16).reduce(0) { $0 + Int(out.q[256 * i + 16 * g + $1]) })
            }
            out.d[i] = 1 / iscale
        }
        return out
    }

    /// ggml's `nearest_int`: round half to even by adding 1.5 x 2^23 and reading the mantissa.
    static func nearestInt(_ v: Float) -> Int32 {
        let bits = Int32(bitPattern: (v + 12_582_912).bitPattern)
        return (bits & 0x007F_FFFF) - 0x0040_0000
    }

    /// Q8_0 blocks as the kernels see them: quants, scales rounded through fp16, sums.
    struct Q8Blocks {
        var q: [Int8]
        var d: [Float]
        var sum: [Int32]

        init(_ x: UnsafePointer<Float>, count: Int) {
            let blocks = count / 32
            let raw = UnsafeMutableRawPointer.allocate(byteCount: blocks * QuantBlock.q8_0Bytes, alignment: 16)
            defer { raw.deallocate() }
            QuantRow.quantizeQ8_0(x, count: count, into: raw)
            q = (0..<count).map { raw.load(fromByteOffset: ($0 / 32) * 34 + 2 + $0 % 32, as: Int8.self) }
            d = (0..<blocks).map { HalfFloat.float(f16Bits: raw.loadUnaligned(fromByteOffset: $0 * 34, as: UInt16.self)) }
            let quants = q
            sum = (0..<blocks).map { b in (0..<32).reduce(Int32(0)) { $0 + Int32(quants[32 * b + $1]) } }
        }
    }

    // MARK: rows

    static func pairedRow(_ type: StorageType, _ row: UnsafeRawPointer, _ x: Q8Blocks) -> Float {
        var acc: Float = 0
        for b in 0..<x.d.count {
            let (weights, d, m, offset) = legacyBlock(type, row + b * type.blockBytes)
            var dot = -Int32(offset) * x.sum[b]
            for e in 0..<32 { dot += Int32(weights[e]) * Int32(x.q[32 * b + e]) }
            acc = acc.addingProduct(Float(dot), d * x.d[b])
            if type == .q4_1 || type == .q5_1 { acc = acc.addingProduct(Float(x.sum[b]), m * x.d[b]) }
        }
        return acc
    }

    /// One 32-element block: its integer weights, d and m as floats, and the offset to subtract.
    static func legacyBlock(_ type: StorageType, _ block: UnsafeRawPointer) -> (weights: [Int], d: Float, m: Float, offset: Int) {
        let half = LegacyBlockRows.half
        switch type {
        case .q4_1:
            let w = (0..<32).map { e in Int(nibble(block + 4, e)) }
            return (w, half(block, 0), half(block, 2), 0)
        case .q5_0, .q5_1:
            let hasMin = type == .q5_1
            let qs = block + (hasMin ? 8 : 6)
            let high = block.loadUnaligned(fromByteOffset: hasMin ? 4 : 2, as: UInt32.self)
            let w = (0..<32).map { e in
                let pair = LegacyBlockRows.fiveBit(qs.load(fromByteOffset: e % 16, as: UInt8.self), high, e % 16)
                return e < 16 ? pair.0 : pair.1
            }
            return (w, half(block, 0), hasMin ? half(block, 2) : 0, hasMin ? 0 : 16)
        default:
            let w = (0..<32).map { e in Int(LegacyBlockRows.iq4Levels[Int(nibble(block + 2, e))]) }
            return (w, half(block, 0), 0, 0)
        }
    }

    /// Element e of a 32-element block's nibbles: byte e % 16, low half for e < 16.
    static func nibble(_ qs: UnsafeRawPointer, _ e: Int) -> UInt8 {
        let byte = qs.load(fromByteOffset: e % 16, as: UInt8.self)
        return e < 16 ? byte & 0x0F : byte >> 4
    }

    static func superBlockRow(_ type: StorageType, _ row: UnsafeRawPointer, _ x: Q8K) -> Float {
        var acc: Float = 0
        for i in 0..<x.d.count {
            let s = superBlock(type, row + i * type.blockBytes)
            var dot: Int32 = 0
            for e in 0..<256 { dot += Int32(s.scales[e / 16] * s.weights[e]) * Int32(x.q[256 * i + e]) }
            let bsums = (0..<16).map { Int32(x.bsums[16 * i + $0]) }
            dot -= Int32(s.offset) * (0..<16).reduce(Int32(0)) { $0 + Int32(s.scales[$1]) * bsums[$1] }
            acc = acc.addingProduct(Float(dot), x.d[i] * s.d)
            if s.hasMins {
                let mins = (0..<16).reduce(Int32(0)) { $0 + Int32(s.mins[$1]) * bsums[$1] }
                acc = acc.addingProduct(Float(mins), -(x.d[i] * s.dmin))
            }
        }
        return acc
    }

    /// One super-block: integer weights, a scale and a min per 16 elements (a per-32 value appears
    /// twice), the offset of the unsigned weights, and d, dmin as floats.
    struct SuperBlock {
        var weights: [Int]
        var scales: [Int]
        var mins: [Int]
        var offset: Int
        var d: Float
        var dmin: Float
        /// Q2_K, Q4_K and Q5_K subtract mins; the others have none.
        var hasMins: Bool
    }

    static func superBlock(_ type: StorageType, _ block: UnsafeRawPointer) -> SuperBlock {
        let half = LegacyBlockRows.half
        let zeros = [Int](repeating: 0, count: 16)
        switch type {
        case .q2_K:
            let bytes = (0..<16).map { Int(block.load(fromByteOffset: $0, as: UInt8.self)) }
            return SuperBlock(weights: (0..<256).map { KQuantRows.q2(block, $0) }, scales: bytes.map { $0 & 0x0F },
                              mins: bytes.map { $0 >> 4 }, offset: 0, d: half(block, 80), dmin: half(block, 82), hasMins: true)
        case .q3_K:
            return SuperBlock(weights: (0..<256).map { KQuantRows.q3(block, $0) + 4 },
                              scales: KQuantRows.q3Scales(block).map { $0 - 32 }, mins: zeros, offset: 4,
                              d: half(block, 108), dmin: 0, hasMins: false)
        case .q4_K, .q5_K:
            let pairs = (0..<16).map { KQuantRows.scaleMin(block + 4, $0 / 2) }
            let weights = (0..<256).map { type == .q4_K ? KQuantRows.q4(block + 16, $0) : KQuantRows.q5(block, $0) }
            return SuperBlock(weights: weights, scales: pairs.map(\.scale), mins: pairs.map(\.min), offset: 0,
                              d: half(block, 0), dmin: half(block, 2), hasMins: true)
        case .q6_K:
            return SuperBlock(weights: (0..<256).map { KQuantRows.q6(block, $0) },
                              scales: (0..<16).map { Int(block.load(fromByteOffset: 192 + $0, as: Int8.self)) },
                              mins: zeros, offset: 32, d: half(block, 208), dmin: 0, hasMins: false)
        default:
            let weights = (0..<256).map { e in
                Int(LegacyBlockRows.iq4Levels[Int(nibble(block + 8 + 16 * (e / 32), e % 32))])
            }
            return SuperBlock(weights: weights, scales: (0..<16).map { KQuantRows.iq4xsScale(block, $0 / 2) - 32 },
                              mins: zeros, offset: 0, d: half(block, 0), dmin: 0, hasMins: false)
        }
    }
}
