import CKernels
import Foundation

/// Which streaming attention pass reads an F16 or q8_0 cache (`ckernels_attention.h`): one pass over
/// a KV group's rows for all the heads that share it, scores, online softmax and weighted values fused.
enum StreamingAttention: Sendable {
    case avx512, avx2, scalar

    /// The pass for a kernel path, or nil where the model keeps its plain loops (the portable
    /// path, which the tests use as the reference, and head sizes the kernels do not take).
    static func choose(_ path: KernelPath, headDim: Int) -> StreamingAttention? {
        guard headDim % 16 == 0, headDim <= Int(CK_ATTN_DIM_LIMIT) else { return nil }
        #if arch(x86_64)
        if path.hasAVX512 { return .avx512 }
        if path.hasF16C { return .avx2 }
        #endif
        return nil
    }

    /// The pass over positions `range` of one group's rows (`dim` f16 values each, contiguous).
    func run(keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, dim: Int, range: Range<Int>,
             queries: UnsafePointer<Float>, heads: Int, scale: Float, work: UnsafeMutablePointer<Float>,
             state: UnsafeMutablePointer<Float>) {
        let d = Int64(dim), lo = Int64(range.lowerBound), hi = Int64(range.upperBound), n = Int64(heads)
        switch self {
        case .avx512:
            #if arch(x86_64)
            ck_attn_stream_f16_avx512(keys, values, d, lo, hi, queries, d, n, d, scale, work, state)
            #endif
        case .avx2:
            #if arch(x86_64)
            ck_attn_stream_f16_avx2(keys, values, d, lo, hi, queries, d, n, d, scale, work, state)
            #endif
        case .scalar:
            ck_attn_stream_f16_scalar(keys, values, d, lo, hi, queries, d, n, d, scale, work, state)
        }
    }

    /// The pass over a q8_0 cache: rows of `rowBytes` bytes, blocks of `block` values (`Q8CacheRows`).
    func runQ8(keys: UnsafeRawPointer, values: UnsafeRawPointer, rowBytes: Int, block: Int, dim: Int, range: Range<Int>,
               queries: UnsafePointer<Float>, heads: Int, scale: Float, work: UnsafeMutablePointer<Float>,
               state: UnsafeMutablePointer<Float>) {
        let k = keys.assumingMemoryBound(to: UInt8.self), v = values.assumingMemoryBound(to: UInt8.self)
        let d = Int64(dim), lo = Int64(range.lowerBound), hi = Int64(range.upperBound), n = Int64(heads)
        let bytes = Int64(rowBytes), width = Int64(block)
        switch self {
        case .avx512:
            #if arch(x86_64)
            ck_attn_stream_q8_0_avx512(k, v, bytes, width, lo, hi, queries, d, n, d, scale, work, state)
            #endif
        case .avx2:
            #if arch(x86_64)
            ck_attn_stream_q8_0_avx2(k, v, bytes, width, lo, hi, queries, d, n, d, scale, work, state)
            #endif
        case .scalar:
            ck_attn_stream_q8_0_scalar(k, v, bytes, width, lo, hi, queries, d, n, d, scale, work, state)
        }
    }

    /// How many ranges one row's positions are cut into per group: a short cache is one range per
    /// group; a long one gives each thread about two ranges to claim, so a thread slowed by another
    /// tenant's work hands its last range to the other instead of holding it back.
    static func parts(positions: Int, threads: Int, groupUnits: Int) -> Int {
        guard positions >= 4096, threads > 1 else { return 1 }
        return min(Int(CK_ATTN_MAX_PARTS), max(1, (2 * threads + groupUnits - 1) / groupUnits))
    }
}

extension GLMModel {
    /// Causal grouped attention: query head h reads KV group h / headsPerGroup, scale 1/sqrt(headDim).
    func attend(layer: Int, _ segment: Segment) {
        let c = config
        if segment.cache.precision != .f32, let pass = StreamingAttention.choose(compute.path, headDim: c.headDim) {
            attendStreaming(layer: layer, segment, pass: pass)
            return
        }
        // The reference: heads are independent, so they are split across threads.
        let s = scratch
        let half = c.ropeDims / 2
        let scale = 1 / Float(c.headDim).squareRoot()
        let rope = self.rope
        let cache = segment.cache
        let scoreStride = s.scoreCapacity
        compute.parallelFor(c.numHeads) { heads in
            for h in heads {
                let g = h / c.headsPerGroup
                let scores = s.scores + h * scoreStride
                for t in segment.rows {
                    let positions = segment.position(ofRow: t) + 1
                    // The query is rotated in place inside the qkv buffer: each head's slice belongs to one thread.
                    let query = s.qkv + t * c.qkvRows + h * c.headDim
                    rope.rotate(query, cos: s.ropeCos + t * half, sin: s.ropeSin + t * half)
                    for j in 0..<positions {
                        scores[j] = cache.dotKey(query, layer: layer, position: j, offset: g * c.headDim, count: c.headDim) * scale
                    }
                    VectorOps.softmax(scores, count: positions)
                    let out = s.attention + t * c.qDim + h * c.headDim
                    out.update(repeating: 0, count: c.headDim)
                    for j in 0..<positions {
                        cache.addValue(scores[j], layer: layer, position: j, offset: g * c.headDim, count: c.headDim, into: out)
                    }
                }
            }
        }
    }

    /// The F16- or q8_0-cache attention: up to 16 heads of one KV group go together through the group's cache,
    /// each key and value row read once per token for all of them. A unit of work is one row of the
    /// batch, one group's heads (16 at a time) and, for a lone row over a long cache, one range of its
    /// positions; the ranges' partial states are merged after.
    private func attendStreaming(layer: Int, _ segment: Segment, pass: StreamingAttention) {
        let c = config, s = scratch, cache = segment.cache
        let half = c.ropeDims / 2
        let scale = 1 / Float(c.headDim).squareRoot()
        // queries rotated first: the ranges of one head group share them
        for t in segment.rows {
            for h in 0..<c.numHeads {
                rope.rotate(s.qkv + t * c.qkvRows + h * c.headDim, cos: s.ropeCos + t * half, sin: s.ropeSin + t * half)
            }
        }
        let lanes = Int(CK_ATTN_STREAM_HEADS)
        let headChunks = (c.headsPerGroup + lanes - 1) / lanes
        let groupUnits = c.kvGroups * headChunks
        let rows = segment.rows
        let threads = compute.threads
        let parts = rows.count == 1 ? StreamingAttention.parts(positions: segment.end, threads: threads, groupUnits: groupUnits) : 1
        let units = rows.count * groupUnits * parts
        let workFloats = Int(ck_attn_stream_work_floats(Int64(c.headDim)))
        let stateFloats = Int(ck_attn_state_floats(Int64(c.headDim)))
        // one scratch area per thread, then (when a row is cut into ranges) one state per unit
        s.reserveGroupWork(units: threads + (parts > 1 ? units : 0), floatsPerUnit: workFloats + stateFloats)
        let area = s.groupWork, areaStride = s.groupWorkStride
        func heads(_ groupUnit: Int) -> (group: Int, first: Int, count: Int) {
            let g = groupUnit / headChunks
            let first = g * c.headsPerGroup + (groupUnit % headChunks) * lanes
            return (g, first, min(lanes, (g + 1) * c.headsPerGroup - first))
        }
        compute.parallelFor(units) { range, participant in
            let work = area + participant * areaStride
            for unit in range {
                let t = rows.lowerBound + unit / (groupUnits * parts)
                let (g, first, count) = heads((unit / parts) % groupUnits)
                let part = unit % parts
                let positions = segment.position(ofRow: t) + 1
                let state = parts > 1 ? area + (threads + unit) * areaStride : work + workFloats
                let range = (positions * part / parts)..<(positions * (part + 1) / parts)
                let queries = s.qkv + t * c.qkvRows + first * c.headDim
                if let keys = cache.f16Keys(layer: layer, group: g), let values = cache.f16Values(layer: layer, group: g) {
                    pass.run(keys: keys, values: values, dim: c.headDim, range: range, queries: queries, heads: count,
                             scale: scale, work: work, state: state)
                } else if let keys = cache.q8Keys(layer: layer, group: g), let values = cache.q8Values(layer: layer, group: g) {
                    pass.runQ8(keys: keys, values: values, rowBytes: cache.headBytes, block: cache.q8Block, dim: c.headDim,
                               range: range, queries: queries, heads: count, scale: scale, work: work, state: state)
                } else {
                    preconditionFailure("streaming attention over an f32 cache, which takes the plain path")
                }
                if parts == 1 {
                    ck_attn_merge_states(state, Int64(stateFloats), 1, Int64(count), Int64(c.headDim),
                                         s.attention + t * c.qDim + first * c.headDim, Int64(c.headDim))
                }
            }
        }
        guard parts > 1, let t = rows.first else { return }
        for groupUnit in 0..<groupUnits {
            let (_, first, count) = heads(groupUnit)
            ck_attn_merge_states(area + (threads + groupUnit * parts) * areaStride, Int64(areaStride), Int64(parts),
                                 Int64(count), Int64(c.headDim), s.attention + t * c.qDim + first * c.headDim,
                                 Int64(c.headDim))
        }
    }
}
