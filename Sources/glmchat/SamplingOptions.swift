import ArgumentParser
import GLMEngine

/// Sampling flags shared by `run` and the chat; defaults are the original chat API's (temperature 0.8,
/// top-p 0.8) with its demos' repetition penalty 1.1.
struct SamplingOptions: ParsableArguments {
    @Option(name: .customLong("max-tokens"), help: "Stop after N generated tokens.")
    var maxTokens = 2048
    @Option(help: "0 picks the most likely token every time.")
    var temperature: Float = 0.8
    @Option(name: .customLong("top-p")) var topP: Float = 0.8
    @Option(name: .customLong("top-k"), help: "0 disables top-k.") var topK = 0
    @Option(name: .customLong("repeat-penalty")) var repeatPenalty: Float = 1.1
    @Option(help: "Random seed (default: a new one each run).") var seed: UInt64?

    /// The settings; `seed` stays nil (a fresh one per answer) unless given.
    var settings: SamplingSettings {
        SamplingSettings(temperature: temperature, topP: topP, topK: topK, repetitionPenalty: repeatPenalty,
                         maxNewTokens: maxTokens, seed: seed)
    }
}
