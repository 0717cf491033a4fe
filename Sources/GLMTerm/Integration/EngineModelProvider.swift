import Foundation
import GLMEngine

/// Models from disk: each loads on a background thread with progress and becomes a `LocalChatBackend`
/// (an `InferenceEngine` that keeps its KV cache and token ledger across turns).
@MainActor
public final class EngineModelProvider: ModelProvider {
    private let threads: Int?
    private let slidePolicy: SlidePolicy
    /// `--ctx-size`: the window of every model, over each entry's `ctx_size`.
    private let contextSize: Int?
    private var loading: Task<Void, Never>?

    public init(threads: Int? = nil, slidePolicy: SlidePolicy = .exact, contextSize: Int? = nil) {
        self.threads = threads
        self.slidePolicy = slidePolicy
        self.contextSize = contextSize
    }

    public func load(_ model: ModelEntry) -> AsyncStream<LoadEvent> {
        let (stream, continuation) = AsyncStream<LoadEvent>.makeStream()
        let options = ModelLoadOptions(path: model.path, tokenizerPath: model.tokenizer, threads: threads,
                                       contextLimit: contextSize ?? model.contextSize, kind: model.kind)
        let slidePolicy = slidePolicy
        loading?.cancel()
        loading = Task.detached(priority: .userInitiated) {
            // Loading maps and converts gigabytes: it runs off the main thread, reporting progress back.
            do {
                let loaded = try ModelLoader.load(options) { fraction in continuation.yield(.progress(fraction)) }
                let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                             contextLimit: loaded.contextLimit, slidePolicy: slidePolicy)
                continuation.yield(.loaded(LocalChatBackend(engine: engine, name: model.name)))
            } catch {
                continuation.yield(.failed("\(error)"))
            }
            continuation.finish()
        }
        return stream
    }
}
