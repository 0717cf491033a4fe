import Foundation

/// The weights of one transformer block, in the formats the kernels run.
public struct LayerWeights: Sendable {
    public let inputNorm: [Float]          // (hidden)
    public let qkv: WeightMatrix           // (qDim + 2 kvDim, hidden): rows Q | K | V
    public let qkvBias: [Float]            // (qDim + 2 kvDim), zeros when the model has none
    public let dense: WeightMatrix         // (hidden, qDim)
    public let postNorm: [Float]           // (hidden)
    public let gateUp: WeightMatrix        // (2 ffn, hidden): rows gate | up
    public let down: WeightMatrix          // (hidden, ffn)
}

/// Every weight of a ChatGLM3 model. Matrices are in one chosen storage type; norms and biases stay f32.
public struct GLMWeights: Sendable {
    public let config: ModelConfig
    public let embedding: WeightMatrix     // (vocabRows, hidden)
    public let layers: [LayerWeights]
    public let finalNorm: [Float]          // (hidden)
    public let output: WeightMatrix        // (vocabRows, hidden)
    /// The storage type of the large matrices (the output projection's, when a file mixes types).
    public var matrixType: StorageType { output.type }

    /// Builds the weights from a checkpoint, converting every matrix to `matrixType`; nil keeps each
    /// matrix's own type (bf16 becomes f32). Matrices already in their target type are used in place.
    public static func load(from checkpoint: Checkpoint, config: ModelConfig, as matrixType: StorageType?,
                            source: String, threads: ComputeContext,
                            progress: ((Double) -> Void)? = nil) throws -> GLMWeights {
        guard matrixType != .bf16 else {
            throw GLMError(.unsupported, path: source, "bf16 is a checkpoint format; run as f32, f16, q8_0 or q4_0")
        }
        for (name, shape) in TensorNames.expectedShapes(config) {
            let tensor = try checkpoint.tensor(name, in: source)
            guard tensor.shape == shape else {
                throw GLMError(.wrongShape, path: tensor.path,
                               "tensor \(name) has shape \(tensor.shape), expected \(shape) for this config")
            }
        }
        let total = Double(TensorNames.expectedShapes(config).count)
        var done = 0.0
        func step() {
            done += 1
            progress?(done / total)
        }
        let arena = AlignedArena()
        func matrix(_ name: String, multiplied: Bool = true) throws -> WeightMatrix {
            defer { step() }
            let tensor = try checkpoint.tensor(name, in: source)
            let target = matrixType ?? (tensor.type == .bf16 ? .f32 : tensor.type)
            let made = try WeightMatrix.make(from: tensor, as: target, owner: checkpoint, ctx: threads)
            guard multiplied else { return made }
            let packed: WeightMatrix
            if packsInGroupsOfEight(made, path: threads.path) {
                packed = made.inGroupsOfEight(threads, arena: arena)
            } else if packsInQuadLanes(made, threads) {
                packed = made.inQuadLanes(threads, arena: arena)
            } else {
                return made
            }
            if made.owner is Checkpoint { checkpoint.dropPages(UnsafeRawBufferPointer(start: made.data, count: made.byteCount)) }
            return packed
        }
        func vector(_ name: String) throws -> [Float] {
            defer { step() }
            return try NormWeights.vector(try checkpoint.tensor(name, in: source))
        }
        let embedding = try matrix(TensorNames.embedding, multiplied: false)
        var layers: [LayerWeights] = []
        for i in 0..<config.numLayers {
            let bias = config.hasQKVBias
                ? try vector(TensorNames.layer(i, .qkvBias))
                : [Float](repeating: 0, count: config.qkvRows)
            layers.append(LayerWeights(
                inputNorm: try vector(TensorNames.layer(i, .inputNorm)),
                qkv: try matrix(TensorNames.layer(i, .qkvWeight)),
                qkvBias: bias,
                dense: try matrix(TensorNames.layer(i, .dense)),
                postNorm: try vector(TensorNames.layer(i, .postNorm)),
                gateUp: try matrix(TensorNames.layer(i, .hToFourH)),
                down: try matrix(TensorNames.layer(i, .fourHToH))))
        }
        let finalNorm = try vector(TensorNames.finalNorm)
        let output = try matrix(TensorNames.output)
        return GLMWeights(config: config, embedding: embedding, layers: layers, finalNorm: finalNorm, output: output)
    }

    /// Whether a matrix the forward pass multiplies by goes in groups of eight rows: Q4_0 on the AVX2
    /// path, where that layout's kernels read batches about 1.7x faster than the row layout's (the
    /// float work is paid once per eight rows; docs/PERFORMANCE.md, "Q4_0 in groups of eight rows").
    /// Row counts must be multiples of 16, so that the gate-up matrix's halves both start on a group.
    static func packsInGroupsOfEight(_ m: WeightMatrix, path: KernelPath) -> Bool {
        path == .avx2 && m.type == .q4_0 && m.layout == .rowMajor && m.rows % 16 == 0
    }

    /// Whether a matrix the forward pass multiplies by goes in quad lanes: Q4_0 on the `avx512vbmi` path,
    /// where that layout's kernels need about a third fewer vector ops per block (1.3x faster for one token
    /// and 1.1-1.25x for batches with the rows in cache; docs/PERFORMANCE.md, "Weights in the quad-lane
    /// order"). Not with AMX, whose batch kernel reads ggml's layout (`ComputeContext.usesQuadLanes`).
    static func packsInQuadLanes(_ m: WeightMatrix, _ ctx: ComputeContext) -> Bool {
        ctx.usesQuadLanes && m.type == .q4_0 && m.layout == .rowMajor
    }

    /// Whether the big matrices point into the checkpoint's mapped files (a GGUF run in its own type)
    /// rather than into converted copies.
    public var usesMappedMatrices: Bool { output.owner is Checkpoint && layers.allSatisfy { $0.gateUp.owner is Checkpoint } }

    /// Bytes of matrix weights read per generated token (what bounds generation speed).
    public var matrixBytes: Int {
        layers.reduce(output.byteCount) { $0 + $1.qkv.byteCount + $1.dense.byteCount + $1.gateUp.byteCount + $1.down.byteCount }
    }
}
