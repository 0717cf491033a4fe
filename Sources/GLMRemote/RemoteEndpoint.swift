import GLMEngine

/// A model served elsewhere over the OpenAI API (`glmchat serve`, vLLM, SGLang, llama-server,
/// ollama's /v1): config.toml's `backend = "openai"` entries and `glmchat run --remote`.
public struct RemoteEndpoint: Sendable, Equatable {
    /// The API's base address, as `http://host:port/v1` (a trailing "/" is dropped).
    public var baseURL: String
    /// The model's name on that server.
    public var model: String
    /// The environment variable that holds the API key, if the server needs one.
    public var apiKeyVariable: String?

    public init(baseURL: String, model: String, apiKeyVariable: String? = nil) {
        var url = baseURL
        while url.hasByteSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.model = model
        self.apiKeyVariable = apiKeyVariable
    }

    /// What the session records as the answer's model, and the status line shows: `NAME@URL`.
    public var displayName: String { model + "@" + baseURL }

    /// Checks the address: an http or https URL with a host.
    public func validate() throws {
        guard baseURL.hasBytePrefix("http://") || baseURL.hasBytePrefix("https://"), baseURL.split(separator: "/").count >= 2 else {
            throw GLMError(.badValue, "\(baseURL) is not an http:// or https:// address such as http://127.0.0.1:8000/v1")
        }
        guard !model.isEmpty else { throw GLMError(.badValue, "the remote model's name is empty") }
    }

    /// The API key from the environment; an error when the variable is named but not set.
    public func apiKey(environment: [String: String]) throws -> String? {
        guard let apiKeyVariable else { return nil }
        guard let key = environment[apiKeyVariable], !key.isEmpty else {
            throw GLMError(.badValue, "the API key variable \(apiKeyVariable) is not set (api_key_env of \(displayName))")
        }
        return key
    }
}
