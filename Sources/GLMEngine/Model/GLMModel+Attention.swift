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
    /// batch, one group's heads (16 at a time) and, for a row over a long cache, one range of its
    /// positions; the ranges' partial states are merged after. Whether and how a row is cut depends
    /// on its own positions only, never on the batch around it, so a row computes the same alone, in
    /// a prompt chunk or in a verification pass of drafts.
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
        // Rows' positions grow along the segment: the first `whole` rows are read in one range per
        // group, the rest (long enough to be cut) in `parts` ranges each (the same count for every
        // position past the cut).
        let parts = StreamingAttention.parts(positions: segment.end, threads: threads, groupUnits: groupUnits)
        var whole = rows.count
        if parts > 1 {
            whole = 0
            while whole < rows.count, StreamingAttention.parts(positions: segment.position(ofRow: rows.lowerBound + whole) + 1,
                                                               threads: threads, groupUnits: groupUnits) == 1 {
                whole += 1
            }
        }
        let wholeUnits = whole * groupUnits
        let cutUnits = (rows.count - whole) * groupUnits * parts
        let workFloats = Int(ck_attn_stream_work_floats(Int64(c.headDim)))
        let stateFloats = Int(ck_attn_state_floats(Int64(c.headDim)))
        // one scratch area per thread, then the states of the cut rows' ranges, packed
        let perThread = (workFloats + stateFloats + 15) / 16 * 16, stateStride = (stateFloats + 15) / 16 * 16
        s.reserveGroupWork(units: threads + (cutUnits * stateStride + perThread - 1) / perThread, floatsPerUnit: perThread)
        let area = s.groupWork, areaStride = s.groupWorkStride
        let states = area + threads * areaStride
        func heads(_ groupUnit: Int) -> (group: Int, first: Int, count: Int) {
            let g = groupUnit / headChunks
            let first = g * c.headsPerGroup + (groupUnit % headChunks) * lanes
            return (g, first, min(lanes, (g + 1) * c.headsPerGroup - first))
        }
        compute.parallelFor(wholeUnits + cutUnits) { range, participant in
            let work = area + participant * areaStride
            for unit in range {
                let cut = unit - wholeUnits
                let t = rows.lowerBound + (cut < 0 ? unit / groupUnits : whole + cut / (groupUnits * parts))
                let (g, first, count) = heads(cut < 0 ? unit % groupUnits : (cut / parts) % groupUnits)
                let (part, of) = cut < 0 ? (0, 1) : (cut % parts, parts)
                let positions = segment.position(ofRow: t) + 1
                let state = cut < 0 ? work + workFloats : states + cut * stateStride
                let range = (positions * part / of)..<(positions * (part + 1) / of)
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
                if cut < 0 {
                    ck_attn_merge_states(state, Int64(stateFloats), 1, Int64(count), Int64(c.headDim),
                                         s.attention + t * c.qDim + first * c.headDim, Int64(c.headDim))
                }
            }
        }
        guard cutUnits > 0 else { return }
        // each cut row's ranges merged in order, its groups' states side by side (a lone row's few
        // merges here, a long batch's across the threads)
        let merges = (rows.count - whole) * groupUnits
        func merge(_ indices: Range<Int>) {
            for index in indices {
                let t = rows.lowerBound + whole + index / groupUnits
                let (_, first, count) = heads(index % groupUnits)
                ck_attn_merge_states(states + index * parts * stateStride, Int64(stateStride), Int64(parts),
                                     Int64(count), Int64(c.headDim), s.attention + t * c.qDim + first * c.headDim,
                                     Int64(c.headDim))
            }
        }
        if merges < 16 { merge(0..<merges) } else { compute.parallelFor(merges, minChunk: 8) { merge($0) } }
    }
}
