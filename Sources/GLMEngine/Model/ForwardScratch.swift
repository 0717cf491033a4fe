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
    // The buffers' memory, in AlignedBuffers: 64-byte aligned, since the kernels read these buffers
    // 512 bits at a time and malloc's 16-byte alignment splits each such load and store across two
    // cache lines (the attention pass ran 1.2x slower on a work area 16 bytes off; docs/PERFORMANCE.md).
    private let owners: [AlignedBuffer]
    private var scoresOwner: AlignedBuffer

    init(config c: ModelConfig, maxTokens: Int) {
        self.maxTokens = maxTokens
        var owners: [AlignedBuffer] = []
        func make(_ perToken: Int) -> UnsafeMutablePointer<Float> {
            let count = max(1, maxTokens * perToken)
            let owner = AlignedBuffer(byteCount: count * MemoryLayout<Float>.stride)
            owners.append(owner)
            let p = owner.floats(count: count)
            p.initialize(repeating: 0, count: count)
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
        self.owners = owners
        scoreCapacity = 0
        scoresOwner = AlignedBuffer(byteCount: MemoryLayout<Float>.stride)
        scores = scoresOwner.floats(count: 1)
        groupWorkOwner = AlignedBuffer(byteCount: MemoryLayout<Float>.stride)
        groupWork = groupWorkOwner.floats(count: 1)
        headCount = c.numHeads
    }

    private let headCount: Int

    /// Makes each head's score row hold at least `positions` entries.
    func reserveScores(_ positions: Int) {
        guard positions > scoreCapacity else { return }
        let capacity = max(positions, scoreCapacity * 2, 256)
        scoresOwner = AlignedBuffer(byteCount: capacity * headCount * MemoryLayout<Float>.stride)
        scores = scoresOwner.floats(count: capacity * headCount)
        scoreCapacity = capacity
    }

    /// Work areas of the AVX-512 group attention, one per unit of work (grown, never per token).
    private(set) var groupWork: UnsafeMutablePointer<Float>
    private var groupWorkOwner: AlignedBuffer
    private(set) var groupWorkStride = 0
    private var groupWorkUnits = 0

    func reserveGroupWork(units: Int, floatsPerUnit: Int) {
        guard units > groupWorkUnits || floatsPerUnit > groupWorkStride else { return }
        // whole 64-byte lines per unit, so every unit's area starts on one
        let stride = max((floatsPerUnit + 15) / 16 * 16, groupWorkStride * 2)
        let count = max(units, groupWorkUnits)
        groupWorkOwner = AlignedBuffer(byteCount: stride * count * MemoryLayout<Float>.stride)
        groupWork = groupWorkOwner.floats(count: stride * count)
        groupWorkStride = stride
        groupWorkUnits = count
    }
}
