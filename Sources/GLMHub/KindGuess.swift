import Foundation
import GLMEngine

/// Which member of the family a downloaded model is, for its config.toml entry.
public enum KindGuess {
    /// A checkpoint: "base" in its name (the repository's) → base (checked first: a third-party table gives the
    /// base model seq_length 32768, see SPEC.md); else rope_ratio above 1 or seq_length 32768 and
    /// more in config.json → chat-32k; else chat.
    public static func checkpoint(configJSON: Data, name: String) -> ModelKind {
        if name.lowercased().contains("base") { return .base }
        if let object = try? JSONSerialization.jsonObject(with: configJSON), let json = object as? [String: Any] {
            if let ratio = json["rope_ratio"] as? NSNumber, !(json["rope_ratio"] is Bool), ratio.doubleValue > 1 { return .chat32k }
            if let length = json["seq_length"] as? NSNumber, !(json["seq_length"] is Bool), length.doubleValue >= 32768 { return .chat32k }
        }
        return .chat
    }

    /// A GGUF file, from its name and its repository's (`name`: both, joined by "/"):
    /// "base" → base, "32k" → chat-32k, else chat.
    public static func gguf(name: String) -> ModelKind {
        let lowered = name.lowercased()
        if lowered.contains("base") { return .base }
        if lowered.contains("32k") { return .chat32k }
        return .chat
    }
}
