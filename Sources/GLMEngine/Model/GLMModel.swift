import Foundation

/// Which positions of a forward pass need logits.
public enum LogitsRequest: Sendable {
    case none, last, all
}

/// The ChatGLM3 forward pass (SPEC section 3), reading top to bottom as the maths.
/// Not thread-safe: one forward pass at a time (the inference actor guarantees it).
public final class GLMModel: @unchecked Sendable {
    public let weights: GLMWeights
    public var config: ModelConfig { weights.config }
    public let compute: ComputeContext
    let rope: RotaryEmbedding

    public init(weights: GLMWeights, compute: ComputeContext) {
        self.weights = weights
        self.compute = compute
        rope = RotaryEmbedding(config: weights.config)
    }

    /// Feeds `tokens` at the positions after what `cache` holds, and returns logits as rows of
    /// `vocabRows` floats: one row for `.last`, one per token for `.all`, none for `.none`.
    public func forward(_ tokens: [Int32], cache: KVCache, logits request: LogitsRequest) -> [Float] {
        let c = config
        let n = tokens.count
        guard n > 0 else { return [] }
        let start = cache.count
        cache.reserve(start + n)

        let hidden = c.hiddenSize
        var x = [Float](repeating: 0, count: n * hidden)             // (n, hidden) residual stream
        var normed = [Float](repeating: 0, count: n * hidden)        // (n, hidden)
        var qkv = [Float](repeating: 0, count: n * c.qkvRows)        // (n, qDim + 2 kvDim)
        var attention = [Float](repeating: 0, count: n * c.qDim)     // (n, qDim)
        var projected = [Float](repeating: 0, count: n * hidden)     // (n, hidden)
        var gateUp = [Float](repeating: 0, count: n * 2 * c.ffnHiddenSize)  // (n, 2 ffn)
        var activated = [Float](repeating: 0, count: n * c.ffnHiddenSize)   // (n, ffn)
        var ropeCos = [Float](repeating: 0, count: n * c.ropeDims / 2)      // (n, ropeDims / 2)
        var ropeSin = [Float](repeating: 0, count: n * c.ropeDims / 2)

        // 1. Embedding: no scaling, no position embedding. Padding ids have rows too and are fed like any other.
        x.withUnsafeMutableBufferPointer { xs in
            for (t, id) in tokens.enumerated() {
                let row = min(max(Int(id), 0), c.vocabRows - 1)
                Kernels.dequantizeRow(weights.embedding, row, into: xs.baseAddress! + t * hidden)
            }
        }
        ropeCos.withUnsafeMutableBufferPointer { cosBuf in
            ropeSin.withUnsafeMutableBufferPointer { sinBuf in
                let half = c.ropeDims / 2
                for t in 0..<n {
                    rope.angles(position: start + t, cos: cosBuf.baseAddress! + t * half, sin: sinBuf.baseAddress! + t * half)
                }
            }
        }

        for (layerIndex, layer) in weights.layers.enumerated() {
            // 2a. Attention block (pre-norm).
            rmsNorm(x, layer.inputNorm, into: &normed, rows: n)
            matMul(layer.qkv, normed, n: n, into: &qkv)
            addBias(layer.qkvBias, to: &qkv, rows: n)
            writeKeysAndValues(qkv, layer: layerIndex, start: start, n: n, cos: ropeCos, sin: ropeSin, cache: cache)
            attend(qkv, layer: layerIndex, start: start, n: n, cos: ropeCos, sin: ropeSin, cache: cache, into: &attention)
            matMul(layer.dense, attention, n: n, into: &projected)
            add(projected, to: &x)

            // 2b. MLP block: silu(gate) * up, the gate being the FIRST half of dense_h_to_4h.
            rmsNorm(x, layer.postNorm, into: &normed, rows: n)
            matMul(layer.gateUp, normed, n: n, into: &gateUp)
            swiGLU(gateUp, into: &activated, rows: n, width: c.ffnHiddenSize)
            matMul(layer.down, activated, n: n, into: &projected)
            add(projected, to: &x)
        }
        cache.advance(by: n)

        // 3. Final norm and the output projection, only for the rows asked for.
        let rows: Range<Int>
        switch request {
        case .none: return []
        case .last: rows = (n - 1)..<n
        case .all: rows = 0..<n
        }
        let lastRows = Array(x[(rows.lowerBound * hidden)..<(rows.upperBound * hidden)])
        var finalNormed = [Float](repeating: 0, count: lastRows.count)
        rmsNorm(lastRows, weights.finalNorm, into: &finalNormed, rows: rows.count)
        var logits = [Float](repeating: 0, count: rows.count * c.vocabRows)
        matMul(weights.output, finalNormed, n: rows.count, into: &logits)
        return logits
    }

    // MARK: - Steps

    private func matMul(_ w: WeightMatrix, _ input: [Float], n: Int, into output: inout [Float]) {
        input.withUnsafeBufferPointer { xs in
            output.withUnsafeMutableBufferPointer { ys in
                if n == 1 {
                    Kernels.matVec(w, xs.baseAddress!, ys.baseAddress!, compute)
                } else {
                    Kernels.matMul(w, xs.baseAddress!, n: n, ys.baseAddress!, compute)
                }
            }
        }
    }

    /// Applies RoPE to this step's keys and stores keys and values in the cache at their positions.
    private func writeKeysAndValues(_ qkv: [Float], layer: Int, start: Int, n: Int,
                                    cos: [Float], sin: [Float], cache: KVCache) {
        let c = config
        let half = c.ropeDims / 2
        let keys = cache.keys(layer: layer), values = cache.values(layer: layer)
        qkv.withUnsafeBufferPointer { q in
            for t in 0..<n {
                let row = q.baseAddress! + t * c.qkvRows
                let k = keys + (start + t) * c.kvDim
                let v = values + (start + t) * c.kvDim
                k.update(from: row + c.qDim, count: c.kvDim)
                v.update(from: row + c.qDim + c.kvDim, count: c.kvDim)
                cos.withUnsafeBufferPointer { cb in
                    sin.withUnsafeBufferPointer { sb in
                        for g in 0..<c.kvGroups {
                            rope.rotate(k + g * c.headDim, cos: cb.baseAddress! + t * half, sin: sb.baseAddress! + t * half)
                        }
                    }
                }
            }
        }
    }

    /// Causal grouped attention: query head h reads KV group h / headsPerGroup, scale 1/sqrt(headDim).
    private func attend(_ qkv: [Float], layer: Int, start: Int, n: Int, cos: [Float], sin: [Float],
                        cache: KVCache, into output: inout [Float]) {
        let c = config
        let half = c.ropeDims / 2
        let keys = cache.keys(layer: layer), values = cache.values(layer: layer)
        let scale = 1 / Float(c.headDim).squareRoot()
        var query = [Float](repeating: 0, count: c.headDim)
        var scores = [Float](repeating: 0, count: start + n)
        output.withUnsafeMutableBufferPointer { out in
            for t in 0..<n {
                let positions = start + t + 1
                for h in 0..<c.numHeads {
                    let g = h / c.headsPerGroup
                    for d in 0..<c.headDim { query[d] = qkv[t * c.qkvRows + h * c.headDim + d] }
                    query.withUnsafeMutableBufferPointer { qb in
                        cos.withUnsafeBufferPointer { cb in
                            sin.withUnsafeBufferPointer { sb in
                                rope.rotate(qb.baseAddress!, cos: cb.baseAddress! + t * half, sin: sb.baseAddress! + t * half)
                            }
                        }
                    }
                    var maxScore = -Float.infinity
                    for j in 0..<positions {
                        let k = keys + j * c.kvDim + g * c.headDim
                        var dot: Float = 0
                        for d in 0..<c.headDim { dot += query[d] * k[d] }
                        scores[j] = dot * scale
                        maxScore = max(maxScore, scores[j])
                    }
                    var total: Float = 0
                    for j in 0..<positions {
                        scores[j] = expf(scores[j] - maxScore)
                        total += scores[j]
                    }
                    let o = out.baseAddress! + t * c.qDim + h * c.headDim
                    for d in 0..<c.headDim { o[d] = 0 }
                    for j in 0..<positions {
                        let weight = scores[j] / total
                        let v = values + j * c.kvDim + g * c.headDim
                        for d in 0..<c.headDim { o[d] += weight * v[d] }
                    }
                }
            }
        }
    }

    private func rmsNorm(_ input: [Float], _ weight: [Float], into output: inout [Float], rows: Int) {
        let width = weight.count
        for r in 0..<rows {
            var sumSquares: Float = 0
            for i in 0..<width { sumSquares += input[r * width + i] * input[r * width + i] }
            let inverse = 1 / (sumSquares / Float(width) + config.rmsEps).squareRoot()
            for i in 0..<width { output[r * width + i] = input[r * width + i] * inverse * weight[i] }
        }
    }

    private func addBias(_ bias: [Float], to values: inout [Float], rows: Int) {
        for r in 0..<rows {
            for i in 0..<bias.count { values[r * bias.count + i] += bias[i] }
        }
    }

    private func add(_ delta: [Float], to values: inout [Float]) {
        for i in 0..<values.count { values[i] += delta[i] }
    }

    private func swiGLU(_ gateUp: [Float], into output: inout [Float], rows: Int, width: Int) {
        for r in 0..<rows {
            for i in 0..<width {
                let gate = gateUp[r * 2 * width + i]
                let up = gateUp[r * 2 * width + width + i]
                output[r * width + i] = gate / (1 + expf(-gate)) * up
            }
        }
    }
}
