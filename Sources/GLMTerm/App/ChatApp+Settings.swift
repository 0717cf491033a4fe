import GLMEngine

/// "/set NAME VALUE": the open session's sampling (temperature, top_p, top_k, repeat_penalty, seed,
/// max_tokens), kept with the session and shown in F1. "/set" alone shows them all.
extension ChatApp {
    func setSampling(_ argument: String) {
        let parts = argument.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            if parts.isEmpty { return showNotice("This session: " + SamplingField.summary(of: chat.sampling)) }
            return showError("Usage: /set NAME VALUE (\(SamplingField.names))")
        }
        guard let field = SamplingField.named(parts[0]) else {
            return showError("No setting named \(parts[0]); /set takes \(SamplingField.names)")
        }
        var settings = chat.sampling
        do {
            try field.apply(parts[1], to: &settings)
            try chat.setSampling(settings)
        } catch {
            return showError("Could not set \(field.rawValue): \(error)")
        }
        let stored = currentSession == nil ? " (kept with the session from its first message)" : ""
        showNotice("\(field.rawValue) \(field.value(in: settings)) for this session\(stored)")
    }
}
