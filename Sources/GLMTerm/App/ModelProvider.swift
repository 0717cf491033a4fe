import GLMEngine

/// Progress of loading a model. The stream ends after `loaded` or `failed`.
public enum LoadEvent: Sendable {
    /// 0...1
    case progress(Double)
    /// Something the user should know about the model about to load (it may outgrow the memory).
    case warning(String)
    case loaded(any ChatBackend)
    case failed(String)
}

/// Where the app gets the backend that answers: the local engine (`EngineModelProvider`) or the
/// built-in demo (`DemoModelProvider`). Streams are consumed on the main actor.
@MainActor
public protocol ModelProvider: AnyObject {
    /// Loads (or switches to) a model in the background; the previous one stays usable until the
    /// new one is loaded, unless `mustUnload` says the two would not fit in memory together.
    func load(_ model: ModelEntry) -> AsyncStream<LoadEvent>
    /// Whether `current` must be let go before `model` loads, because both at once would not fit in
    /// the memory (the app then loads without the old model to fall back on).
    func mustUnload(_ current: any ChatBackend, toLoad model: ModelEntry) -> Bool
}

extension ModelProvider {
    public func mustUnload(_ current: any ChatBackend, toLoad model: ModelEntry) -> Bool { false }
}
