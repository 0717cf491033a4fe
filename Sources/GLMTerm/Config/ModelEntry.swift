import GLMEngine
import GLMStore
/// One configured model: a name the user picks, its kind, and a GGUF file or Hugging Face directory.
public struct ModelEntry: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    public var path: String
    /// `ctx_size`: a window smaller than the model's (less memory for the KV cache), or nil.
    public var contextSize: Int?

    public init(name: String, kind: ModelKind, path: String, contextSize: Int? = nil) {
        self.name = name
        self.kind = kind
        self.path = path
        self.contextSize = contextSize
    }
}
