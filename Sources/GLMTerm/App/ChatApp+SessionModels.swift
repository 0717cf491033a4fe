import GLMEngine
import GLMStore

/// A session remembers the model it was written with (its name and kind). Opening it under another
/// model offers to switch, or says which model will answer; a base session's transcript keeps its
/// Prompt / Continuation headers whatever is loaded.
extension ChatApp {
    func checkModel(for session: Session) {
        let answering = loadingModel?.name ?? model?.name
        guard !session.modelName.isEmpty, session.modelName != answering else { return }
        let kind = ModelKind(rawValue: session.modelKind) ?? .chat
        let written = "“\(session.displayTitle)” was written with \(session.modelName) (\(kind.label))"
        if let entry = models.first(where: { $0.name == session.modelName }) {
            ask(Question.switchModel(to: entry, reason: written, answering: answering))
        } else if let answering {
            let answeringKind = loadingModel?.kind ?? model?.kind ?? .chat
            let mismatch = answeringKind != kind ? "; it is a \(kind.label) session and \(answering) is a \(answeringKind.label) model" : ""
            showError("\(written), which is not configured: \(answering) will answer\(mismatch) — F3 chooses another")
        }
    }
}

extension Question {
    static func switchModel(to entry: ModelEntry, reason: String, answering: String?) -> Question {
        let keep = answering.map { "Esc keeps \($0), which then answers this session." } ?? ""
        return Question(title: "Model", text: "\(reason). \(keep)",
                        choices: [Choice(key: .enter, keyName: "Enter", label: "loads \(entry.name) (\(entry.kind.label))",
                                         action: .switchModel(entry))])
    }
}
