import Foundation
import GLMEngine

/// The three ChatGLM3 models a new user can get, for the welcome screen: what each is, where
/// `glmchat pull` fetches it, and how big it is, computed from its shape.
public struct CatalogModel: Equatable, Sendable {
    public var kind: ModelKind
    public var title: String
    public var purpose: String
    /// The Hugging Face checkpoint repository `glmchat pull` takes.
    public var repository: String
    public var config: ModelConfig

    public var pullCommand: String { "glmchat pull \(repository)" }

    /// The Hugging Face checkpoint: every weight in 16 bits, as the repositories ship them.
    public var checkpointBytes: Int { config.tensorBytes(matrices: .f16, vectors: .f16) }

    /// A `glmchat convert` Q4_0 file's tensors: int4 matrices, f32 norms and biases (the vocabulary
    /// and tokenizer add about 2 MB).
    public var q4_0Bytes: Int { config.tensorBytes(matrices: .q4_0, vectors: .f32) }

    public static let all: [CatalogModel] = [
        CatalogModel(kind: .chat, title: "ChatGLM3-6B", purpose: "the chat model: conversations, tools, 8K context",
                     repository: "THUDM/chatglm3-6b", config: .chatglm3_6b),
        CatalogModel(kind: .base, title: "ChatGLM3-6B-Base", purpose: "the base model: continues plain text, 8K context",
                     repository: "THUDM/chatglm3-6b-base", config: .chatglm3_6b),
        CatalogModel(kind: .chat32k, title: "ChatGLM3-6B-32K", purpose: "the chat model for long documents, 32K context",
                     repository: "THUDM/chatglm3-6b-32k", config: .chatglm3_6b_32k),
    ]

    /// Decimal units, as the hub shows file sizes: "12.5 GB".
    public static func formatted(bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension ModelConfig {
    /// The bytes of every tensor the model uses, matrices stored as `matrices` and the rest
    /// (norms, the qkv bias) as `vectors`.
    func tensorBytes(matrices: StorageType, vectors: StorageType) -> Int {
        TensorNames.expectedShapes(self).reduce(0) { total, tensor in
            let count = tensor.shape.reduce(1, *)
            return total + (tensor.shape.count == 2 ? matrices : vectors).byteCount(elements: count)
        }
    }
}
