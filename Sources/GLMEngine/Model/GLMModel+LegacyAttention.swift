import CKernels
import Foundation

// TEMPORARY, for the before / after measurement in one binary: GLMCHAT_LEGACY_ATTENTION=1 runs the
// attention kernels this branch replaces. Removed once measured.
extension GLMModel {
    static let legacyAttention = ProcessInfo.processInfo.environment["GLMCHAT_LEGACY_ATTENTION"] != nil

    #if arch(x86_64)
    /// The F16-cache attention: the heads of one KV group go together through the group's cache
    /// (each key and value row read once per token for all of them), and the work is split into
    /// as few units per group as keep every thread busy, so a long cache is not read once per head.
    func attendGrouped(layer: Int, _ segment: Segment) {
        let c = config
        let cache = segment.cache
        let s = scratch
        let half = c.ropeDims / 2
        let scale = 1 / Float(c.headDim).squareRoot()
        let rope = self.rope
        let scoreStride = s.scoreCapacity
        let partsPerGroup = max(1, (compute.threads + c.kvGroups - 1) / c.kvGroups)
        let headsPerUnit = (c.headsPerGroup + partsPerGroup - 1) / partsPerGroup
        let unitsPerGroup = (c.headsPerGroup + headsPerUnit - 1) / headsPerUnit
        let units = c.kvGroups * unitsPerGroup
        let wide = compute.path.hasAVX512 && c.headDim % 16 == 0 && headsPerUnit <= 16
        let workFloats = Int(ck_attn_group_work_floats(Int64(segment.end), Int64(c.headDim)))
        if wide { s.reserveGroupWork(units: units, floatsPerUnit: workFloats) }
        let work = s.groupWork, workStride = s.groupWorkStride
        compute.parallelFor(units) { range in
            for unit in range {
                let g = unit / unitsPerGroup
                let first = g * c.headsPerGroup + (unit % unitsPerGroup) * headsPerUnit
                let count = min(headsPerUnit, (g + 1) * c.headsPerGroup - first)
                guard let keys = cache.f16Keys(layer: layer, group: g),
                      let values = cache.f16Values(layer: layer, group: g) else { continue }
                for t in segment.rows {
                    let positions = segment.position(ofRow: t) + 1
                    let queries = s.qkv + t * c.qkvRows + first * c.headDim
                    for h in 0..<count {
                        rope.rotate(queries + h * c.headDim, cos: s.ropeCos + t * half, sin: s.ropeSin + t * half)
                    }
                    if wide {
                        ck_attn_group_f16_avx512(keys, values, Int64(c.headDim),
                                                 Int64(positions), queries, Int64(c.headDim), Int64(count),
                                                 Int64(c.headDim), scale, work + unit * workStride,
                                                 s.attention + t * c.qDim + first * c.headDim, Int64(c.headDim))
                        continue
                    }
                    let scores = s.scores + first * scoreStride
                    ck_attn_scores_f16_avx2(keys, Int64(c.headDim), Int64(positions), queries,
                                            Int64(c.headDim), Int64(count), Int64(c.headDim), scale, scores,
                                            Int64(scoreStride))
                    for h in 0..<count { ck_softmax_avx2(scores + h * scoreStride, Int64(positions)) }
                    ck_attn_values_f16_avx2(values, Int64(c.headDim), Int64(positions), scores,
                                            Int64(scoreStride), Int64(count), Int64(c.headDim),
                                            s.attention + t * c.qDim + first * c.headDim, Int64(c.headDim))
                }
            }
        }
    }
    #endif
}
