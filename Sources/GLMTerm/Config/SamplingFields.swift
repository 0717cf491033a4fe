import GLMEngine

/// The sampling settings by the names "/set" and config.toml use: `temperature`, `top_p`, `top_k`,
/// `repeat_penalty`, `seed` (a number, or `random` for a fresh seed per answer) and `max_tokens`
/// (a number, or `none` for up to the window). Dashes may stand for underscores.
public enum SamplingField: String, CaseIterable, Sendable {
    case temperature
    case topP = "top_p"
    case topK = "top_k"
    case repeatPenalty = "repeat_penalty"
    case seed
    case maxTokens = "max_tokens"

    public static func named(_ name: String) -> SamplingField? {
        let normalized = name.lowercased().replacingOccurrences(of: "-", with: "_")
        if normalized == "repetition_penalty" { return .repeatPenalty }
        return allCases.first { $0.rawValue == normalized }
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Sets this field of `settings` from `text`; the result is checked as a whole (`validate`).
    public func apply(_ text: String, to settings: inout SamplingSettings) throws(GLMError) {
        let value = text.trimmingSpaces()
        var changed = settings
        switch self {
        case .temperature: changed.temperature = try Self.number(value, self)
        case .topP: changed.topP = try Self.number(value, self)
        case .repeatPenalty: changed.repetitionPenalty = try Self.number(value, self)
        case .topK:
            guard let k = Int(value) else { throw GLMError(.badValue, "top_k must be a whole number (0 turns it off), not '\(value)'") }
            changed.topK = k
        case .seed:
            if value.lowercased() == "random" {
                changed.seed = nil
            } else if let seed = UInt64(value) {
                changed.seed = seed
            } else {
                throw GLMError(.badValue, "seed must be a whole number from 0 to \(UInt64.max), or random, not '\(value)'")
            }
        case .maxTokens:
            if value.lowercased() == "none" {
                changed.maxNewTokens = nil
            } else if let count = Int(value) {
                changed.maxNewTokens = count
            } else {
                throw GLMError(.badValue, "max_tokens must be a whole number, or none, not '\(value)'")
            }
        }
        do {
            try changed.validate()
        } catch let error as GLMError {
            throw error
        } catch {
            throw GLMError(.badValue, "\(error)")
        }
        settings = changed
    }

    /// The field's value in `settings`, as "/set" takes it.
    public func value(in settings: SamplingSettings) -> String {
        switch self {
        case .temperature: Self.format(settings.temperature)
        case .topP: Self.format(settings.topP)
        case .topK: "\(settings.topK)"
        case .repeatPenalty: Self.format(settings.repetitionPenalty)
        case .seed: settings.seed.map(String.init) ?? "random"
        case .maxTokens: settings.maxNewTokens.map(String.init) ?? "none"
        }
    }

    /// Every field, as "/set" and F1 show them: `temperature 0.8 · top_p 0.8 · …`.
    public static func summary(of settings: SamplingSettings) -> String {
        allCases.map { "\($0.rawValue) \($0.value(in: settings))" }.joined(separator: " · ")
    }

    private static func number(_ text: String, _ field: SamplingField) throws(GLMError) -> Float {
        guard let value = Float(text), value.isFinite else {
            throw GLMError(.badValue, "\(field.rawValue) must be a number, not '\(text)'")
        }
        return value
    }

    /// Shortest form that reads back the same Float (0.6, not 0.6000000238).
    static func format(_ value: Float) -> String {
        var text = "\(value)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}

extension SamplingField {
    /// A model's sampling in config.toml: the fields it sets over the defaults.
    static func settings(from table: TOMLTable, model: String, path: String) throws(ConfigError) -> SamplingSettings {
        var settings = SamplingSettings.default
        for field in allCases {
            guard let value = table[field.rawValue] else { continue }
            let text: String
            if let number = value.int {
                text = "\(number)"
            } else if let number = value.double {
                text = "\(number)"
            } else if let string = value.string {
                text = string
            } else {
                throw ConfigError(path: path, "model '\(model)': \(field.rawValue) must be a number")
            }
            do {
                try field.apply(text, to: &settings)
            } catch {
                throw ConfigError(path: path, "model '\(model)': \(error.problem)")
            }
        }
        return settings
    }
}
