import GLMEngine

/// What a chat or completion request asks of the sampler and the stream. Defaults are the original
/// chat API's (temperature 0.8, top-p 0.8) without a repetition penalty (OpenAI's default is none).
public struct GenerationParameters: Sendable, Equatable {
    public var sampling = SamplingSettings(temperature: 0.8, topP: 0.8, topK: 0, repetitionPenalty: 1)
    /// nil: a fresh seed for every request.
    public var seed: UInt64?
    /// nil: up to the window.
    public var maxTokens: Int?
    /// Text that ends the answer (cut before it), compared by bytes.
    public var stop: [ExactText] = []
    public var stream = false
    /// `stream_options.include_usage`: a last chunk with the usage.
    public var includeUsage = false

    public init() {}

    /// Reads the fields every generating endpoint shares; `maxTokensDefault` is the endpoint's.
    static func parse(_ fields: RequestFields, maxTokensDefault: Int?) throws(APIError) -> GenerationParameters {
        var parameters = GenerationParameters()
        if let temperature = try fields.double("temperature", in: 0...2) { parameters.sampling.temperature = Float(temperature) }
        if let topP = try fields.double("top_p", in: 0...1) {
            guard topP > 0 else { throw APIError.invalid("top_p", "top_p must be greater than 0") }
            parameters.sampling.topP = Float(topP)
        }
        if let topK = try fields.int("top_k", in: -1...1_000_000) { parameters.sampling.topK = max(0, topK) }
        if let penalty = try fields.double("repetition_penalty", in: 0...100) {
            guard penalty > 0 else { throw APIError.invalid("repetition_penalty", "repetition_penalty must be greater than 0") }
            parameters.sampling.repetitionPenalty = Float(penalty)
        }
        for key in ["presence_penalty", "frequency_penalty"] {
            if let penalty = try fields.double(key, in: -2...2), penalty != 0 {
                throw APIError.unsupported(key, "\(key) is not supported: the engine has a multiplicative (Hugging Face) repetition penalty; send repetition_penalty (for example 1.1) instead")
            }
        }
        if let seed = try fields.int("seed", in: Int.min...Int.max) { parameters.seed = UInt64(bitPattern: Int64(seed)) }
        let newer = try fields.int("max_completion_tokens", in: 1...Int.max)
        let older = try fields.int("max_tokens", in: 1...Int.max)
        parameters.maxTokens = newer ?? older ?? maxTokensDefault
        if let n = try fields.int("n", in: 1...Int.max), n != 1 {
            throw APIError.unsupported("n", "n must be 1: one answer per request")
        }
        if let logprobs = fields.value("logprobs") {
            switch logprobs {
            case .bool(false), .int(0): break
            default: throw APIError.unsupported("logprobs", "logprobs are not supported")
            }
        }
        if fields.has("top_logprobs") { throw APIError.unsupported("top_logprobs", "top_logprobs are not supported") }
        if let bias = fields.value("logit_bias"), bias != .object([]) {
            throw APIError.unsupported("logit_bias", "logit_bias is not supported")
        }
        parameters.stop = try stopStrings(fields)
        parameters.stream = try fields.bool("stream") ?? false
        if let options = try fields.object("stream_options") {
            parameters.includeUsage = try options.bool("include_usage") ?? false
        }
        if let ids = try fields.array("stop_token_ids") {
            // vLLM's extension; the engine already stops at the model's own stop ids.
            for (index, id) in ids.enumerated() {
                guard case .int = id else { throw APIError.invalid("stop_token_ids[\(index)]", "stop_token_ids[\(index)] must be an integer") }
            }
        }
        return parameters
    }

    private static func stopStrings(_ fields: RequestFields) throws(APIError) -> [ExactText] {
        guard let stop = fields.value("stop") else { return [] }
        let items: [JSONValue]
        switch stop {
        case .string: items = [stop]
        case .array(let list): items = list
        default: throw APIError.invalid("stop", "stop must be a string or an array of strings")
        }
        guard items.count <= 16 else { throw APIError.invalid("stop", "stop holds at most 16 strings") }
        var strings: [ExactText] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item, !text.isEmpty else {
                throw APIError.invalid("stop[\(index)]", "stop[\(index)] must be a non-empty string")
            }
            strings.append(ExactText(text))
        }
        return strings
    }
}
