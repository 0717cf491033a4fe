import Foundation

/// Whether one engine's weights and the most its caches can grow to stay within the memory this process
/// may use (`BatchDecoder.memoryShare` of it, the rule `serve --parallel N` sizes its budget by). A long
/// conversation fills its cache position by position, so a model that loads can still outgrow the memory
/// an hour later, when the system kills the process mid-answer; the app and `serve --parallel 1` say so
/// when the model loads instead.
public struct MemoryFit: Sendable, Equatable {
    public var weightBytes: Int
    /// A full window's keys and values, and the next slide's kept part read ahead beside them.
    public var cacheBytes: Int
    /// Other conversations' caches kept so that each continues where it left off.
    public var keptBytes: Int
    /// What other models served beside this one already take (their weights and caches).
    public var loadedBeforeBytes = 0
    public var usableBytes: Int

    public init(weightBytes: Int, cacheBytes: Int, keptBytes: Int, usableBytes: Int) {
        self.weightBytes = weightBytes
        self.cacheBytes = cacheBytes
        self.keptBytes = keptBytes
        self.usableBytes = usableBytes
    }

    /// For `model` answering in a window of `window` positions beside `keptBytes` of kept caches.
    public init(model: GLMModel, window: Int, keptBytes: Int, usableBytes: Int = SystemMemory.usableBytes()) {
        let bytesPerPosition = KVCache.bytes(config: model.config, positions: 1, precision: model.cachePrecision)
        self.init(weightBytes: model.weights.matrixBytes,
                  cacheBytes: BatchDecoder.defaultBudgetBytes(answers: 1, window: window, bytesPerPosition: bytesPerPosition),
                  keptBytes: keptBytes, usableBytes: usableBytes)
    }

    /// For one answer (`glmchat run`): its cache grows only to the prompt and the answer, at most
    /// `window`. A prompt takes at most one token per UTF-8 byte (byte fallback) and the chat format a
    /// few special tokens more, so `promptBytes + maxTokens + 64` positions bound it.
    public static func oneAnswer(model: GLMModel, window: Int, promptBytes: Int, maxTokens: Int,
                                 usableBytes: Int = SystemMemory.usableBytes()) -> MemoryFit {
        // each term within the window first: --max-tokens may be as large as an Int goes
        let positions = min(window, min(promptBytes, window) + min(max(0, maxTokens), window) + 64)
        return MemoryFit(model: model, window: max(1, positions), keptBytes: 0, usableBytes: usableBytes)
    }

    public var neededBytes: Int { loadedBeforeBytes + weightBytes + cacheBytes + keptBytes }
    public var fits: Bool { neededBytes <= BatchDecoder.memoryCeiling(usableBytes) }

    /// nil when it fits; else what passes the limit, for a warning the caller ends with its own remedies.
    public var shortfall: String? {
        guard !fits else { return nil }
        var parts = "the weights (\(Self.mebibytes(weightBytes))) and a full window's cache (\(Self.mebibytes(cacheBytes))"
        parts += keptBytes > 0 ? ") with other conversations' kept caches (\(Self.mebibytes(keptBytes)))" : ")"
        if loadedBeforeBytes > 0 { parts += " beside the models loaded before (\(Self.mebibytes(loadedBeforeBytes)))" }
        return parts + " pass \(Int(BatchDecoder.memoryShare * 100))% of the \(Self.mebibytes(usableBytes)) this process "
            + "may use: a conversation that grows that long may get the process killed mid-answer"
    }

    /// `bytes` in the unit the memory options take (MiB), in KiB below one MiB (the tiny test models).
    public static func mebibytes(_ bytes: Int) -> String {
        bytes >= 1_048_576 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : String(format: "%.0f KiB", Double(bytes) / 1024)
    }
}
