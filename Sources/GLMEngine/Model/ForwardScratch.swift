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
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(1, maxTokens * perToken))
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
        scores = UnsafeMutablePointer<Float>.allocate(capacity: 1)
        headCount = c.numHeads
    }

    private let headCount: Int

    /// Makes each head's score row hold at least `positions` entries.
    func reserveScores(_ positions: Int) {
        guard positions > scoreCapacity else { return }
        let capacity = max(positions, scoreCapacity * 2, 256)
        scores.deallocate()
        scores = UnsafeMutablePointer<Float>.allocate(capacity: capacity * headCount)
        scoreCapacity = capacity
    }

    /// Work areas of the AVX-512 group attention, one per unit of work (grown, never per token).
    private(set) var groupWork = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var groupWorkStride = 0
    private var groupWorkUnits = 0

    func reserveGroupWork(units: Int, floatsPerUnit: Int) {
        guard units > groupWorkUnits || floatsPerUnit > groupWorkStride else { return }
        let stride = max(floatsPerUnit, groupWorkStride * 2)
        let count = max(units, groupWorkUnits)
        groupWork.deallocate()
        groupWork = UnsafeMutablePointer<Float>.allocate(capacity: stride * count)
        groupWorkStride = stride
        groupWorkUnits = count
    }

    deinit {
        all.forEach { $0.deallocate() }
        scores.deallocate()
        groupWork.deallocate()
    }
}
