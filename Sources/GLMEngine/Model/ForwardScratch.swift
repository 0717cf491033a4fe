import Foundation

/// Every buffer one forward pass needs, allocated once for the largest batch so that generating
/// a token allocates nothing. Shapes are given per buffer; `tokens` is the batch size.
final class ForwardScratch {
    let maxTokens: Int
    let x: UnsafeMutablePointer<Float>            // (tokens, hidden) residual stream
    let normed: UnsafeMutablePointer<Float>       // (tokens, hidden)
    let qkv: UnsafeMutablePointer<Float>          // (tokens, qDim + 2 kvDim)
    let attention: UnsafeMutablePointer<Float>    // (tokens, qDim)
    let projected: UnsafeMutablePointer<Float>    // (tokens, hidden)
    let gateUp: UnsafeMutablePointer<Float>       // (tokens, 2 ffn)
    let activated: UnsafeMutablePointer<Float>    // (tokens, ffn)
    let ropeCos: UnsafeMutablePointer<Float>      // (tokens, ropeDims / 2)
    let ropeSin: UnsafeMutablePointer<Float>      // (tokens, ropeDims / 2)
    let logits: UnsafeMutablePointer<Float>       // (tokens, vocabRows) — only rows asked for are written
    private(set) var scores: UnsafeMutablePointer<Float>  // (heads, scoreCapacity) attention weights
    private(set) var scoreCapacity: Int
    private let all: [UnsafeMutablePointer<Float>]

    init(config c: ModelConfig, maxTokens: Int) {
        self.maxTokens = maxTokens
        func make(_ perToken: Int) -> UnsafeMutablePointer<Float> {
            let p = ForwardScratch.floats(max(1, maxTokens * perToken))
            p.initialize(repeating: 0, count: max(1, maxTokens * perToken))
            return p
        }
        x = make(c.hiddenSize)
        normed = make(c.hiddenSize)
        qkv = make(c.qkvRows)
        attention = make(c.qDim)
        projected = make(c.hiddenSize)
        gateUp = make(2 * c.ffnHiddenSize)
        activated = make(c.ffnHiddenSize)
        ropeCos = make(c.ropeDims / 2)
        ropeSin = make(c.ropeDims / 2)
        logits = make(c.vocabRows)
        all = [x, normed, qkv, attention, projected, gateUp, activated, ropeCos, ropeSin, logits]
        scoreCapacity = 0
        scores = ForwardScratch.floats(1)
        headCount = c.numHeads
    }

    /// `count` floats on a 64-byte boundary. The kernels read these buffers a 512-bit vector at a
    /// time, and malloc's 16-byte alignment splits every such load and store across two cache lines:
    /// the attention pass ran 1.2x slower on a work area 16 bytes off (docs/PERFORMANCE.md).
    private static func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    private static func release(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    private let headCount: Int

    /// Makes each head's score row hold at least `positions` entries.
    func reserveScores(_ positions: Int) {
        guard positions > scoreCapacity else { return }
        let capacity = max(positions, scoreCapacity * 2, 256)
        ForwardScratch.release(scores)
        scores = ForwardScratch.floats(capacity * headCount)
        scoreCapacity = capacity
    }

    /// Work areas of the AVX-512 group attention, one per unit of work (grown, never per token).
    private(set) var groupWork = ForwardScratch.floats(1)
    private(set) var groupWorkStride = 0
    private var groupWorkUnits = 0

    func reserveGroupWork(units: Int, floatsPerUnit: Int) {
        guard units > groupWorkUnits || floatsPerUnit > groupWorkStride else { return }
        // whole 64-byte lines per unit, so every unit's area starts on one
        let stride = max((floatsPerUnit + 15) / 16 * 16, groupWorkStride * 2)
        let count = max(units, groupWorkUnits)
        ForwardScratch.release(groupWork)
        groupWork = ForwardScratch.floats(stride * count)
        groupWorkStride = stride
        groupWorkUnits = count
    }

    deinit {
        all.forEach(ForwardScratch.release)
        ForwardScratch.release(scores)
        ForwardScratch.release(groupWork)
    }
}
