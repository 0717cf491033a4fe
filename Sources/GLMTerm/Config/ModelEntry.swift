import GLMEngine
import GLMRemote
import GLMStore
/// One configured model: a name the user picks, its kind, and a GGUF file or Hugging Face directory,
/// or a model served elsewhere over the OpenAI API (`backend = "openai"`).
public struct ModelEntry: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    /// The file or directory; for a remote model, its API address (what the model picker shows).
    public var path: String
    /// `ctx_size`: a window smaller than the model's (less memory for the KV cache), or nil.
    public var contextSize: Int?
    /// `tokenizer`: the tokenizer.model of a GGUF file that does not carry its own, or nil.
    public var tokenizer: String?
    /// `temperature`, `top_p`, `top_k`, `repeat_penalty`, `seed`, `max_tokens`: how a new session
    /// with this model samples ("/set" changes a session's own).
    public var sampling: SamplingSettings
    /// Where a remote model is served; nil for a local one.
    public var remote: RemoteEndpoint?
    /// `speculate`: "ngram" or "off" for this model (nil: the command line's, else the default).
    public var speculate: SpeculationMode?
    /// `cache_type`: "f16" (the exact cache) or "q8_0" (half its memory, a small drift) for this model
    /// (nil: the command line's, else f16).
    public var cacheType: KVCacheType?

    public init(name: String, kind: ModelKind, path: String, contextSize: Int? = nil, tokenizer: String? = nil,
                sampling: SamplingSettings = .default) {
        self.name = name
        self.kind = kind
        self.path = path
        self.contextSize = contextSize
        self.tokenizer = tokenizer
        self.sampling = sampling
    }

    /// A model served over the OpenAI API.
    public init(name: String, kind: ModelKind, remote: RemoteEndpoint, contextSize: Int? = nil,
                sampling: SamplingSettings = .default) {
        self.init(name: name, kind: kind, path: remote.baseURL, contextSize: contextSize, sampling: sampling)
        self.remote = remote
    }
}
