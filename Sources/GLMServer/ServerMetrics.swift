import Foundation
import GLMEngine

/// What `GET /metrics` reports, in Prometheus's text format: requests by endpoint and status, tokens
/// read and generated, drafts checked and kept (speculative decoding), slides of a full window and how
/// their kept tokens were read (ahead, or at the slide: a pause), answers cancelled and why, the
/// requests at work and queued per model, and the speed of the last answer (on the engine's own clock).
public final class ServerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [String: Int] = [:]
    private var promptTokens: [String: Int] = [:]
    private var cachedPromptTokens: [String: Int] = [:]
    private var generatedTokens: [String: Int] = [:]
    private var draftedTokens: [String: Int] = [:]
    private var acceptedDrafts: [String: Int] = [:]
    private var slides: [String: Int] = [:]
    private var slideTokensReadAhead: [String: Int] = [:]
    private var slideTokensReread: [String: Int] = [:]
    private var cancellations: [String: Int] = [:]
    private var lastGenerationRate: [String: Double] = [:]
    private var lastPromptRate: [String: Double] = [:]

    public init() {}

    func countRequest(endpoint: String, status: Int) {
        lock.withLock { requests["endpoint=\"\(endpoint)\",status=\"\(status)\"", default: 0] += 1 }
    }

    func record(_ stats: GenerationStats, model: String) {
        lock.withLock {
            promptTokens[model, default: 0] += stats.promptTokens
            cachedPromptTokens[model, default: 0] += stats.reusedTokens
            generatedTokens[model, default: 0] += stats.generatedTokens
            draftedTokens[model, default: 0] += stats.draftedTokens
            acceptedDrafts[model, default: 0] += stats.acceptedTokens
            slides[model, default: 0] += stats.slides
            slideTokensReadAhead[model, default: 0] += stats.readAheadTokens
            slideTokensReread[model, default: 0] += stats.rereadTokens
            if stats.generatedTokens > 1 { lastGenerationRate[model] = stats.generationTokensPerSecond }
            if stats.promptTokens > stats.reusedTokens { lastPromptRate[model] = stats.promptTokensPerSecond }
        }
    }

    func countCancellation(_ reason: String) {
        lock.withLock { cancellations[reason, default: 0] += 1 }
    }

    /// The text of `/metrics`; `gates` gives each model's requests at work and queued.
    func render(gates: [(model: String, gate: RequestGate)]) -> String {
        lock.withLock {
            var text = ""
            func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
                text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
                for sample in samples.sorted(by: { $0.labels < $1.labels }) {
                    text += sample.labels.isEmpty ? "\(name) \(sample.value)\n" : "\(name){\(sample.labels)} \(sample.value)\n"
                }
            }
            func byModel(_ values: [String: Int]) -> [(labels: String, value: String)] {
                values.map { ("model=\"\(Self.escape($0.key))\"", String($0.value)) }
            }
            func rates(_ values: [String: Double]) -> [(labels: String, value: String)] {
                values.map { ("model=\"\(Self.escape($0.key))\"", String(format: "%.3f", $0.value)) }
            }
            family("glmchat_requests_total", "counter", "HTTP requests by endpoint and status.",
                   requests.map { ($0.key, String($0.value)) })
            family("glmchat_prompt_tokens_total", "counter", "Prompt tokens of finished answers.", byModel(promptTokens))
            family("glmchat_prompt_tokens_cached_total", "counter", "Prompt tokens reused from the cache (not read again).",
                   byModel(cachedPromptTokens))
            family("glmchat_generated_tokens_total", "counter", "Tokens generated.", byModel(generatedTokens))
            family("glmchat_draft_tokens_total", "counter", "Tokens guessed ahead and checked in one pass (speculative decoding).",
                   byModel(draftedTokens))
            family("glmchat_draft_tokens_accepted_total", "counter", "Guessed tokens the model agreed with.",
                   byModel(acceptedDrafts))
            family("glmchat_slides_total", "counter", "Full windows slid mid-answer (old turns dropped, the kept part read again).",
                   byModel(slides))
            family("glmchat_slide_tokens_read_ahead_total", "counter",
                   "Kept tokens of slides read ahead, a row with each generated token.", byModel(slideTokensReadAhead))
            family("glmchat_slide_tokens_read_at_slide_total", "counter",
                   "Kept tokens of slides read when the window filled (the answer waits for them).", byModel(slideTokensReread))
            family("glmchat_answers_cancelled_total", "counter",
                   "Answers stopped early, by reason: disconnect, stop_string, shutdown.",
                   cancellations.map { ("reason=\"\($0.key)\"", String($0.value)) })
            let counts = gates.map { (model: $0.model, counts: $0.gate.counts) }
            family("glmchat_requests_running", "gauge", "Requests at work, per model.",
                   counts.map { ("model=\"\(Self.escape($0.model))\"", String($0.counts.running)) })
            family("glmchat_requests_queued", "gauge", "Requests waiting for a slot, per model.",
                   counts.map { ("model=\"\(Self.escape($0.model))\"", String($0.counts.queued)) })
            family("glmchat_generation_tokens_per_second", "gauge", "Generation speed of the last answer.", rates(lastGenerationRate))
            family("glmchat_prompt_tokens_per_second", "gauge", "Prompt reading speed of the last answer.", rates(lastPromptRate))
            return text
        }
    }

    /// A label value as the text format wants it: backslash, quote and newline escaped.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
