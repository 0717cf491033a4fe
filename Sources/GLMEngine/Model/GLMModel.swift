import CKernels
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
    /// Longest batch one `forward` call takes; longer prompts are fed in chunks of this size.
    public let maxBatch: Int
    /// The KV cache asked for; `cachePrecision` is what caches made for this model store.
    public let cacheType: KVCacheType
    let rope: RotaryEmbedding
    let scratch: ForwardScratch
    /// Seconds spent in attention since last reset (the benchmark reports its share at long context).
    public var attentionSeconds = 0.0
    /// The batch of `forwardToken` (the token, then any companion rows), reused so that a generated
    /// token allocates nothing.
    private lazy var tokenBatch = [Int32](repeating: 0, count: maxBatch)

    /// `cacheType` q8_0 needs heads of a multiple of 16 values (`KVCacheType.check`).
    public init(weights: GLMWeights, compute: ComputeContext, maxBatch: Int = 256, cacheType: KVCacheType = .f16) {
        precondition((try? cacheType.check(headDim: weights.config.headDim)) != nil, "q8_0 cache for heads it cannot take")
        self.cacheType = cacheType
        self.weights = weights
        self.compute = compute
        self.maxBatch = max(1, maxBatch)
        rope = RotaryEmbedding(config: weights.config)
        scratch = ForwardScratch(config: weights.config, maxTokens: self.maxBatch)
    }

    /// How the caches of this model store keys and values.
    public var cachePrecision: KVPrecision { KVPrecision.matching(weights.matrixType, cacheType: cacheType) }

    /// Feeds `tokens` at the positions after what `cache` holds, and returns logits as rows of
    /// `vocabRows` floats: one row for `.last`, one per token for `.all`, none for `.none`.
    public func forward(_ tokens: [Int32], cache: KVCache, logits request: LogitsRequest) -> [Float] {
        var result: [Float] = []
        var offset = 0
        while offset < tokens.count {
            let end = min(tokens.count, offset + maxBatch)
            let isLast = end == tokens.count
            let chunkRequest: LogitsRequest = request == .all ? .all : (isLast ? request : .none)
            result += forwardBatch(tokens[offset..<end], cache: cache, logits: chunkRequest)
            offset = end
        }
        return result
    }

    /// Feeds one token and writes its logits into `logits` (sized to `vocabRows` on first use): the
    /// generation loop's form, which allocates nothing per token.
    public func forwardToken(_ token: Int32, cache: KVCache, into logits: inout [Float]) {
        tokenBatch[0] = token
        copy(forwardRows(tokenBatch[0..<1], CollectionOfOne(Segment(cache: cache, start: cache.count, rows: 0..<1)),
                         logitsRows: 0..<1), into: &logits)
    }

    /// `forwardToken`, with `companion` fed to `companionCache` (at the positions after what it holds) in
    /// the same pass over the weights: generation reads every weight once per token and waits on memory,
    /// so a few more rows cost far less than a pass of their own. Only `token`'s logits are computed; they
    /// equal `forwardToken`'s, since every row of a batch is computed exactly as a lone row.
    public func forwardToken(_ token: Int32, cache: KVCache, alongside companion: ArraySlice<Int32>,
                             in companionCache: KVCache, into logits: inout [Float]) {
        copy(forwardParts([(ArraySlice([token]), cache), (companion, companionCache)], logitsRows: 0..<1), into: &logits)
    }

    /// `forward(tokens, cache:, logits: .all)` for one batch, with `companion` fed to `companionCache` in
    /// the same pass (as `forwardToken(_:cache:alongside:in:into:)`); the logits are `tokens`' rows only.
    public func forward(_ tokens: [Int32], cache: KVCache, alongside companion: ArraySlice<Int32>,
                        in companionCache: KVCache) -> [Float] {
        precondition(!tokens.isEmpty, "no tokens to feed")
        return Array(forwardParts([(tokens[...], cache), (companion, companionCache)], logitsRows: 0..<tokens.count))
    }

    private func copy(_ rows: UnsafeBufferPointer<Float>, into logits: inout [Float]) {
        if logits.count != rows.count { logits = [Float](repeating: 0, count: rows.count) }
        logits.withUnsafeMutableBufferPointer { out in
            guard let destination = out.baseAddress, let source = rows.baseAddress else { return }
            destination.update(from: source, count: rows.count)
        }
    }

    private func forwardBatch(_ tokens: ArraySlice<Int32>, cache: KVCache, logits request: LogitsRequest) -> [Float] {
        let n = tokens.count
        let rows: Range<Int>
        switch request {
        case .none: rows = 0..<0
        case .last: rows = (n - 1)..<n
        case .all: rows = 0..<n
        }
        return Array(forwardRows(tokens, CollectionOfOne(Segment(cache: cache, start: cache.count, rows: 0..<n)), logitsRows: rows))
    }

    /// One decoding step for several sequences in one pass over the weights: `tokens[i]` goes to
    /// `caches[i]` at the position after what it holds, and `logits` gets each sequence's row
    /// (`vocabRows` floats each, in order). Every row is computed exactly as a lone row, so each
    /// sequence's logits equal those of `forwardToken` on its own.
    public func forwardTokens(_ tokens: [Int32], caches: [KVCache], into logits: inout [Float]) {
        precondition(tokens.count == caches.count && !tokens.isEmpty, "one token per cache")
        forward(zip(tokens, caches).map { (ArraySlice([$0]), $1) }, logitsOfLast: tokens.count, into: &logits)
    }

    /// One pass over the weights for several sequences with any number of rows each: `parts[i].tokens`
    /// go to `parts[i].cache` at the positions after what it holds, in batch order, and `logits` gets
    /// the logits of the batch's last `logitRows` rows (`vocabRows` floats each). Continuous batching
    /// reads a prompt's chunk in the same pass as the other answers' next tokens. Every row is computed
    /// exactly as a lone row, so each equals what its sequence gets alone.
    public func forward(_ parts: [(tokens: ArraySlice<Int32>, cache: KVCache)], logitsOfLast logitRows: Int,
                        into logits: inout [Float]) {
        let n = parts.reduce(0) { $0 + $1.tokens.count }
        precondition(logitRows >= 0 && logitRows <= n, "logits of \(logitRows) rows out of \(n)")
        copy(forwardParts(parts, logitsRows: (n - logitRows)..<n), into: &logits)
    }

    /// The batch of `parts` in order (empty ones add no rows), each at the positions after what its
    /// cache holds; the logits of batch rows `logitsRows` stay in the scratch buffer the result points
    /// into (valid until the next call).
    private func forwardParts(_ parts: [(tokens: ArraySlice<Int32>, cache: KVCache)],
                              logitsRows: Range<Int>) -> UnsafeBufferPointer<Float> {
        let n = parts.reduce(0) { $0 + $1.tokens.count }
        precondition(n > 0 && n <= maxBatch, "\(n) rows for a batch of \(maxBatch)")
        precondition(Set(parts.map { ObjectIdentifier($0.cache) }).count == parts.count, "every sequence needs a cache of its own")
        var segments: [Segment] = []
        var row = 0
        for part in parts where !part.tokens.isEmpty {
            for id in part.tokens {
                tokenBatch[row] = id
                row += 1
            }
            segments.append(Segment(cache: part.cache, start: part.cache.count, rows: (row - part.tokens.count)..<row))
        }
        return forwardRows(tokenBatch[0..<n], segments, logitsRows: logitsRows)
    }

    /// Rows of one batch that belong to one sequence: its cache and the position of its first row.
    struct Segment {
        let cache: KVCache
        let start: Int
        let rows: Range<Int>

        /// The position in this segment's sequence of batch row `t`.
        func position(ofRow t: Int) -> Int { start + t - rows.lowerBound }
        /// Positions its cache holds once the batch is in.
        var end: Int { start + rows.count }
    }

    /// The forward pass over one batch whose rows belong to one or more sequences (consecutive rows
    /// each); the logits of batch rows `logitsRows` stay in the scratch buffer the result points into
    /// (valid until the next call).
    private func forwardRows<Segments: Collection<Segment>>(_ tokens: ArraySlice<Int32>, _ segments: Segments,
                                                            logitsRows rows: Range<Int>) -> UnsafeBufferPointer<Float> {
        let c = config
        let n = tokens.count
        let s = scratch
        precondition(segments.reduce(0) { $0 + $1.rows.count } == n, "segments must cover the batch")
        var longest = 0
        for segment in segments {
            segment.cache.reserve(segment.end)
            longest = max(longest, segment.end)
        }
        s.reserveScores(longest)

        // 1. Embedding: no scaling, no position embedding. Padding ids have rows and are fed like any other.
        for (t, id) in tokens.enumerated() {
            let row = min(max(Int(id), 0), c.vocabRows - 1)
            Kernels.dequantizeRow(weights.embedding, row, into: s.x + t * c.hiddenSize)
        }
        let half = c.ropeDims / 2
        func angles(_ segment: Segment) {
            for t in segment.rows {
                rope.angles(position: segment.position(ofRow: t), cos: s.ropeCos + t * half, sin: s.ropeSin + t * half)
            }
        }
        segments.forEach(angles)

        // the rows with logits, once moved to the front for the last layer (nil: every row, as fed)
        var moved: [Segment]?
        for (layerIndex, layer) in weights.layers.enumerated() {
            // 2a. Attention block (pre-norm).
            withElements(layer.qkvBias) { bias in
                normalizedMatMul(layer.qkv, layer.inputNorm, rows: s.x, n: n, into: s.qkv, then: .addBias(bias))
            }
            for segment in segments { storeKeysAndValues(layer: layerIndex, segment) }
            if layerIndex == weights.layers.count - 1 && rows.count < n {
                // The last layer's attention, dense and MLP feed only the logits: the other rows stop
                // here with their keys and values stored, all that later passes read of them (a prompt's
                // rows, a slide's kept part read ahead). As llama.cpp does; 1/28 of a prompt's work.
                guard !rows.isEmpty else { break }
                moved = moveToFront(rows, of: segments)
            }
            let activeRows = moved == nil ? n : rows.count
            let attentionStart = DispatchTime.now()
            if let moved {
                moved.forEach { attend(layer: layerIndex, $0) }
            } else {
                segments.forEach { attend(layer: layerIndex, $0) }
            }
            attentionSeconds += Double(DispatchTime.now().uptimeNanoseconds - attentionStart.uptimeNanoseconds) / 1e9
            matMul(layer.dense, s.attention, n: activeRows, into: s.projected, then: .addInto(s.x))

            // 2b. MLP block: silu(gate) * up, the gate being the FIRST half of dense_h_to_4h.
            if let quantized = normalizedSwiGLU(layer, n: activeRows) {
                Kernels.quantizedMatVec(layer.down, quantized, s.projected, compute, then: .addInto(s.x))
            } else {
                matMul(layer.down, s.activated, n: activeRows, into: s.projected, then: .addInto(s.x))
            }
        }
        for segment in segments { segment.cache.advance(by: segment.rows.count) }

        // 3. Final norm and the output projection, only for the rows asked for.
        guard !rows.isEmpty else { return UnsafeBufferPointer(start: s.logits, count: 0) }
        let firstLogitsRow = moved == nil ? rows.lowerBound : 0
        normalizedMatMul(weights.output, weights.finalNorm, rows: s.x + firstLogitsRow * c.hiddenSize, n: rows.count,
                         into: s.logits)
        return UnsafeBufferPointer(start: s.logits, count: rows.count * c.vocabRows)
    }

    /// Moves batch rows `rows` (their residual stream, queries and rotary angles) to the front of the
    /// scratch buffers and returns the parts of `segments` they belong to, renumbered from row 0:
    /// each row keeps its position, so it attends to exactly what it would have.
    private func moveToFront<Segments: Collection<Segment>>(_ rows: Range<Int>, of segments: Segments) -> [Segment] {
        let c = config, s = scratch, half = c.ropeDims / 2, first = rows.lowerBound
        if first > 0 {
            for (buffer, width) in [(s.x, c.hiddenSize), (s.qkv, c.qkvRows), (s.ropeCos, half), (s.ropeSin, half)] {
                memmove(buffer, buffer + first * width, rows.count * width * MemoryLayout<Float>.stride)
            }
        }
        return segments.compactMap { segment in
            let kept = segment.rows.clamped(to: rows)
            guard !kept.isEmpty else { return nil }
            return Segment(cache: segment.cache, start: segment.position(ofRow: kept.lowerBound),
                           rows: (kept.lowerBound - first)..<(kept.upperBound - first))
        }
    }

    /// out = W rmsnorm(x) for n rows of the residual stream from `x`: one row's norm is computed as
    /// its activation is quantized (see `Kernels.matVec`), a batch's goes through `normed` first.
    private func normalizedMatMul(_ w: WeightMatrix, _ norm: [Float], rows x: UnsafePointer<Float>, n: Int,
                                  into output: UnsafeMutablePointer<Float>, then epilogue: RowEpilogue = .none) {
        let s = scratch
        if n == 1 {
            withElements(norm) { weight in
                Kernels.matVec(w, .rmsNormalized(x, weight: weight, eps: config.rmsEps, normed: s.normed), output, compute,
                               then: epilogue)
            }
        } else {
            VectorOps.rmsNorm(x, norm, eps: config.rmsEps, rows: n, into: s.normed)
            matMul(w, s.normed, n: n, into: output, then: epilogue)
        }
    }

    /// scratch.activated = SwiGLU(gateUp rmsnorm(x)) for the n rows. For one token, the gate-up job's
    /// threads also quantize it for the down projection where its kernel allows, and that activation
    /// is returned (see `Kernels.matVecSwiGLU`); otherwise nil.
    private func normalizedSwiGLU(_ layer: LayerWeights, n: Int) -> QuantizedActivation? {
        let s = scratch, c = config
        if n == 1 {
            return withElements(layer.postNorm) { weight in
                Kernels.matVecSwiGLU(layer.gateUp, .rmsNormalized(s.x, weight: weight, eps: c.rmsEps, normed: s.normed),
                                     width: c.ffnHiddenSize, gateUp: s.gateUp, into: s.activated, compute,
                                     quantizedFor: layer.down)
            }
        }
        VectorOps.rmsNorm(s.x, layer.postNorm, eps: c.rmsEps, rows: n, into: s.normed)
        Kernels.matMulSwiGLU(layer.gateUp, s.normed, rows: n, width: c.ffnHiddenSize, gateUp: s.gateUp,
                             into: s.activated, compute)
        return nil
    }

    /// `body` on the elements of a weight vector (the loader checked its length, so it is not empty).
    private func withElements<R>(_ values: [Float], _ body: (UnsafePointer<Float>) -> R) -> R {
        values.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { preconditionFailure("empty weight vector") }
            return body(base)
        }
    }

    /// One token's product runs `epilogue` in its threads; a batch's output gets it row by row after.
    private func matMul(_ w: WeightMatrix, _ input: UnsafeMutablePointer<Float>, n: Int,
                        into output: UnsafeMutablePointer<Float>, then epilogue: RowEpilogue = .none) {
        if n == 1 {
            Kernels.matVec(w, .plain(input), output, compute, then: epilogue)
        } else {
            Kernels.matMul(w, input, n: n, output, compute)
            epilogue.apply(output, batch: n, width: w.rows)
        }
    }

    /// Applies RoPE to a segment's keys (in the qkv buffer) and stores keys and values in its cache.
    private func storeKeysAndValues(layer: Int, _ segment: Segment) {
        let c = config
        let half = c.ropeDims / 2
        for t in segment.rows {
            let row = scratch.qkv + t * c.qkvRows
            let key = row + c.qDim
            for g in 0..<c.kvGroups {
                rope.rotate(key + g * c.headDim, cos: scratch.ropeCos + t * half, sin: scratch.ropeSin + t * half)
            }
            segment.cache.store(layer: layer, position: segment.position(ofRow: t), key: key, value: key + c.kvDim)
        }
    }
}
