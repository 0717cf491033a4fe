import Foundation
import GLMEngine
import GLMRemote

/// Models from disk: each loads on a background thread with progress and becomes a `LocalChatBackend`
/// (an `InferenceEngine` that keeps its KV cache and token ledger across turns). A remote entry
/// (`backend = "openai"`) becomes a `RemoteChatBackend` once its server has listed the model.
@MainActor
public final class EngineModelProvider: ModelProvider {
    private let threads: Int?
    private let slidePolicy: SlidePolicy
    /// `--ctx-size`: the window of every model, over each entry's `ctx_size`.
    private let contextSize: Int?
    /// `--speculate`: every model's, over each entry's `speculate`.
    private let speculate: SpeculationMode?
    /// `--cache-type`: every model's, over each entry's `cache_type`.
    private let cacheType: KVCacheType?
    private var loading: Task<Void, Never>?
    /// Where remote entries' API keys are read (`api_key_env`).
    private let environment: [String: String]
    /// `conversation_cache_mb`, in bytes: nil keeps one full window of other sessions' caches.
    private let conversationCacheBytes: Int?
    /// The memory this process may use, which a loaded model and its caches are checked against.
    private let usableMemory: @Sendable () -> Int

    public init(threads: Int? = nil, slidePolicy: SlidePolicy = .exact, contextSize: Int? = nil,
                speculate: SpeculationMode? = nil, cacheType: KVCacheType? = nil, conversationCacheBytes: Int? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                usableMemory: @escaping @Sendable () -> Int = SystemMemory.usableBytes) {
        self.usableMemory = usableMemory
        self.conversationCacheBytes = conversationCacheBytes
        self.speculate = speculate
        self.cacheType = cacheType
        self.threads = threads
        self.slidePolicy = slidePolicy
        self.contextSize = contextSize
        self.environment = environment
    }

    public func load(_ model: ModelEntry) -> AsyncStream<LoadEvent> {
        if let remote = model.remote { return connect(remote, entry: model) }
        let (stream, continuation) = AsyncStream<LoadEvent>.makeStream()
        let options = ModelLoadOptions(path: model.path, tokenizerPath: model.tokenizer, threads: threads,
                                       contextLimit: contextSize ?? model.contextSize, kind: model.kind,
                                       cacheType: cacheType ?? model.cacheType ?? .f16)
        let slidePolicy = slidePolicy
        let conversationCacheBytes = conversationCacheBytes
        let speculation = (speculate ?? model.speculate ?? .standard).speculation()
        let usableMemory = usableMemory
        loading?.cancel()
        loading = Task.detached(priority: .userInitiated) {
            // Loading maps and converts gigabytes: it runs off the main thread, reporting progress back.
            do {
                let loaded = try ModelLoader.load(options) { fraction in continuation.yield(.progress(fraction)) }
                // Switching back to a session continues from its cache (by default up to one window of
                // other sessions' caches is kept) instead of reading it all again.
                let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                             contextLimit: loaded.contextLimit, slidePolicy: slidePolicy,
                                             speculation: speculation,
                                             keptConversationBytes: conversationCacheBytes ?? loaded.windowKVBytes)
                var fit = engine.memoryNeeds
                fit.usableBytes = usableMemory()
                if let shortfall = fit.shortfall {
                    continuation.yield(.warning(shortfall + " (--ctx-size or the model's ctx_size in config.toml shortens "
                                                + "the window, --cache-type q8_0 or cache_type = \"q8_0\" halves the cache, "
                                                + "conversation_cache_mb keeps fewer sessions' caches)"))
                }
                continuation.yield(.loaded(LocalChatBackend(engine: engine, name: model.name)))
            } catch {
                continuation.yield(.failed("\(error)"))
            }
            continuation.finish()
        }
        return stream
    }

    /// A local model loading beside another local one must fit with the other's most (`peakBytes`)
    /// within the memory ceiling: on AVX2 cores each model's matrices are a packed copy in memory, so
    /// switching between two 6B models held both, 7.3 GB at the switch. The incoming model is counted
    /// as its file's size (a GGUF), else as large as the current one (a checkpoint folder, converted
    /// as it loads: the family's models are one size).
    public func mustUnload(_ current: any ChatBackend, toLoad model: ModelEntry) -> Bool {
        guard model.remote == nil, let local = current as? LocalChatBackend else { return false }
        let engine = local.engine
        var incoming = engine.peakBytes
        if let attributes = try? FileManager.default.attributesOfItem(atPath: model.path),
           attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int {
            incoming = size
        }
        return engine.peakBytes + incoming > BatchDecoder.memoryCeiling(usableMemory())
    }

    private func connect(_ remote: RemoteEndpoint, entry: ModelEntry) -> AsyncStream<LoadEvent> {
        let (stream, continuation) = AsyncStream<LoadEvent>.makeStream()
        let environment = self.environment
        loading?.cancel()
        loading = Task.detached(priority: .userInitiated) {
            do {
                continuation.yield(.progress(0.5))
                let backend = try await RemoteChatBackend.connect(remote, kind: entry.kind, apiKey: try remote.apiKey(environment: environment),
                                                                  contextWindow: entry.contextSize)
                continuation.yield(.loaded(backend))
            } catch {
                continuation.yield(.failed("\(error)"))
            }
            continuation.finish()
        }
        return stream
    }
}
