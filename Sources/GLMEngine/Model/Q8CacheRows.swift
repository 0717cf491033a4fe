import Foundation

/// The q8_0 form of one KV group's slice of a cached position (`KVPrecision.q8_0`): `headDim / block`
/// blocks, each an f16 scale followed by `block` int8 values, value = scale x int8 (ggml's block_q8_0
/// when block is 32). Quantizing a block: scale = max|x| / 127, each value x / scale rounded to the
/// nearest integer (halves away from zero), as ggml's reference quantizer does.
public enum Q8CacheRows {
    /// Values per block for heads of `headDim`: 32 (ggml's q8_0), or 16 for heads that 32 does not
    /// divide (the tiny test models' heads of 16); nil when 16 does not divide them either.
    public static func block(headDim: Int) -> Int? {
        if headDim > 0, headDim % 32 == 0 { return 32 }
        if headDim > 0, headDim % 16 == 0 { return 16 }
        return nil
    }

    /// Bytes of one row of `count` values in blocks of `block`.
    public static func bytes(count: Int, block: Int) -> Int { count / block * (2 + block) }

    /// Quantizes `count` floats (a multiple of `block`) into `out`: the weights' q8_0 arithmetic
    /// (`QuantRow.quantizeQ8Blocks`) on blocks of `block` values.
    public static func quantize(_ x: UnsafePointer<Float>, count: Int, block: Int, into out: UnsafeMutableRawPointer) {
        QuantRow.quantizeQ8Blocks(x, count: count, width: block, into: out)
    }

    /// The scale of block `b` of a row.
    @inline(__always)
    static func scale(_ row: UnsafeRawPointer, block b: Int, width: Int) -> Float {
        Float(Float16(bitPattern: row.loadUnaligned(fromByteOffset: b * (2 + width), as: UInt16.self)))
    }

    /// The `count` values of a row as floats.
    public static func dequantize(_ row: UnsafeRawPointer, count: Int, block: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / block) {
            let s = scale(row, block: b, width: block)
            let q = (row + b * (2 + block) + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<block { out[b * block + i] = s * Float(q[i]) }
        }
    }

    /// x . row, with the row's values as floats (the reference attention's scores).
    static func dot(_ x: UnsafePointer<Float>, _ row: UnsafeRawPointer, count: Int, block: Int) -> Float {
        var sum: Float = 0
        for b in 0..<(count / block) {
            let s = scale(row, block: b, width: block)
            let q = (row + b * (2 + block) + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<block { sum += x[b * block + i] * (s * Float(q[i])) }
        }
        return sum
    }

    /// out += weight x row (the reference attention's weighted values).
    static func axpy(_ weight: Float, _ row: UnsafeRawPointer, count: Int, block: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / block) {
            let s = scale(row, block: b, width: block)
            let q = (row + b * (2 + block) + 2).assumingMemoryBound(to: Int8.self)
            for i in 0..<block { out[b * block + i] += weight * (s * Float(q[i])) }
        }
    }
}
