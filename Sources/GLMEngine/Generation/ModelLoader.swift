import Foundation

/// What to load and how.
public struct ModelLoadOptions: Sendable {
    public var path: String
    public var tokenizerPath: String?
    /// The matrix precision; nil keeps a GGUF file's own types, and means q4_0 for a checkpoint directory.
    public var matrixType: StorageType?
    public var threads: Int?
    public var contextLimit: Int?
    /// nil: chat, or chat-32k when the model's window is 32K.
    public var kind: ModelKind?
    /// How the KV cache stores keys and values (the exact F16 cache unless q8_0 is asked for).
    public var cacheType: KVCacheType

    public init(path: String, tokenizerPath: String? = nil, matrixType: StorageType? = nil, threads: Int? = nil,
                contextLimit: Int? = nil, kind: ModelKind? = nil, cacheType: KVCacheType = .f16) {
        self.cacheType = cacheType
        self.path = path
        self.tokenizerPath = tokenizerPath
        self.matrixType = matrixType
        self.threads = threads
        self.contextLimit = contextLimit
        self.kind = kind
    }
}

/// A model ready to run: weights, tokenizer and what kind of model it is.
public struct LoadedModel: Sendable {
    public let model: GLMModel
    public let tokenizer: Tokenizer
    public let kind: ModelKind
    public let contextLimit: Int
    /// How much of the mapped weights ended up in 2 MB pages (nil: not a mapped file of weights used in place).
    public var hugePages: HugePageReport?

    /// KV memory of a full window (`contextLimit` positions) in the model's cache precision: the app
    /// and the server keep other conversations' caches within this much by default.
    public var windowKVBytes: Int {
        KVCache.bytes(config: model.config, positions: min(contextLimit, model.config.contextLength),
                      precision: model.cachePrecision)
    }
}

public enum ModelLoader {
    /// Opens any supported model file or directory, checks it, and builds the weights.
    /// `progress` receives 0...1 while matrices are converted.
    public static func load(_ options: ModelLoadOptions, progress: ((Double) -> Void)? = nil) throws -> LoadedModel {
        let opened = try ModelFiles.open(path: options.path)
        let tokenizer = try opened.makeTokenizer(override: options.tokenizerPath)
        let config = opened.config
        guard tokenizer.realVocabSize <= config.vocabRows else {
            throw GLMError(.configMismatch, path: options.path,
                           "the tokenizer has \(tokenizer.realVocabSize) ids but the model only \(config.vocabRows) embedding rows")
        }
        if let limit = options.contextLimit, limit < 2 {
            throw GLMError(.badValue, "--ctx-size must be at least 2, got \(limit)")
        }
        try options.cacheType.check(headDim: config.headDim)
        let compute = ComputeContext(threads: options.threads ?? ComputeContext.physicalCores)
        let matrixType = options.matrixType ?? (opened.format == .gguf ? nil : .q4_0)
        let weights = try GLMWeights.load(from: opened.checkpoint, config: config, as: matrixType,
                                          source: options.path, threads: compute, progress: progress)
        let hugePages = try settleInHugePages(opened, weights: weights)
        let kind = options.kind ?? (config.contextLength >= 32768 ? .chat32k : .chat)
        let limit = min(options.contextLimit ?? config.contextLength, config.contextLength)
        return LoadedModel(model: GLMModel(weights: weights, compute: compute, cacheType: options.cacheType),
                           tokenizer: tokenizer, kind: kind, contextLimit: limit, hugePages: hugePages)
    }

    /// For a GGUF whose matrices are used in place from the mapping: puts the mapping in 2 MB pages
    /// (`MappedFile.settleInHugePages`). Converted weights live in memory of their own and need nothing.
    public static func settleInHugePages(_ opened: OpenedModel, weights: GLMWeights) throws -> HugePageReport? {
        guard opened.format == .gguf, weights.usesMappedMatrices else { return nil }
        var report: HugePageReport?
        for file in opened.checkpoint.files {
            if let settled = try file.settleInHugePages() { report = settled }
        }
        return report
    }
}
