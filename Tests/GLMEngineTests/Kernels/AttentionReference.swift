import CKernels
import Foundation

/// Attention for one query position over `positions` cached rows, in Double: the reference the
/// streaming kernels (F16 and q8_0 caches) are checked against. `keys` and `values` are the rows as
/// the kernel sees them (dequantized), `positions x dim`; the result is out[h * dim + d].
enum AttentionReference {
    static func attend(queries: [Float], keys: [Float], values: [Float], heads: Int, dim: Int, positions: Int,
                       scale: Float) -> [Double] {
        var out = [Double](repeating: 0, count: heads * dim)
        for h in 0..<heads {
            let scores = (0..<positions).map { j -> Double in
                var dot = 0.0
                for d in 0..<dim { dot += Double(queries[h * dim + d] * scale) * Double(keys[j * dim + d]) }
                return dot
            }
            let top = scores.max() ?? 0
            let weights = scores.map { Foundation.exp($0 - top) }
            let sum = weights.reduce(0, +)
            for d in 0..<dim {
                var acc = 0.0
                for j in 0..<positions { acc += weights[j] * Double(values[j * dim + d]) }
                out[h * dim + d] = acc / sum
            }
        }
        return out
    }

    /// Runs one streaming pass per range of `cuts` (`pass(range, queries, work, state)`, each into a
    /// state of its own) and merges the states as the model does: out[h * dim + d].
    static func mergedPasses(dim: Int, heads: Int, cuts: [Range<Int>], queries: [Float],
                             pass: (Range<Int>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                                    UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let stateFloats = Int(ck_attn_state_floats(Int64(dim)))
        var work = [Float](repeating: .nan, count: Int(ck_attn_stream_work_floats(Int64(dim))))
        var states = [Float](repeating: .nan, count: stateFloats * cuts.count)
        var out = [Float](repeating: .nan, count: heads * dim)
        queries.withUnsafeBufferPointer { q in
            work.withUnsafeMutableBufferPointer { w in
                states.withUnsafeMutableBufferPointer { s in
                    guard let q = q.baseAddress, let w = w.baseAddress, let s = s.baseAddress else { return }
                    for (index, range) in cuts.enumerated() {
                        pass(range, q, w, s + index * stateFloats)
                    }
                    ck_attn_merge_states(s, Int64(stateFloats), Int64(cuts.count), Int64(heads), Int64(dim), &out, Int64(dim))
                }
            }
        }
        return out
    }
}
