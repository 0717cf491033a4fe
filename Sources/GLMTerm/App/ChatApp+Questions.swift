import GLMEngine
import GLMStore

/// A question the app asks before it goes on: the open session was deleted in another window, the
/// session was written with another model, a message is far larger than the model's window. A
/// dialog shows the whole text and the keys that answer it; Esc always takes the cautious choice.
struct Question: Equatable {
    enum Action: Equatable {
        /// Start a new session and send this text in it.
        case sendInNewSession(String)
        /// Load this model for the session just opened.
        case switchModel(ModelEntry)
        /// Send this text although it is larger than the window.
        case sendAnyway(String)
        /// Close the dialog and change nothing.
        case keep
    }

    struct Choice: Equatable {
        var key: Key
        var keyName: String
        var label: String
        var action: Action
    }

    var title: String
    var text: String
    var choices: [Choice]

    /// The action a key chooses: a listed key, Esc (or Ctrl+C) for "keep"; other keys do nothing.
    func action(for key: Key) -> Action? {
        if let choice = choices.first(where: { $0.key == key }) { return choice.action }
        if key == .escape || key == .control("c") { return .keep }
        return nil
    }

    /// A message far larger than the model's window: at least a token per four characters (the
    /// tokenizer makes more of most text), so one over four times the window cannot fit at all.
    static func tooLarge(_ text: String, for model: ModelInfo?) -> Question? {
        guard let model else { return nil }
        let atLeast = text.unicodeScalars.count / 4
        guard atLeast > model.contextWindow else { return nil }
        return Question(title: "Message too large",
                        text: "This message is at least \(atLeast) tokens; \(model.name) sees \(model.contextWindow) at a time, "
                            + "so it cannot read all of it (it reads the end and the answer may fail). It stays in the input.",
                        choices: [Choice(key: .enter, keyName: "Enter", label: "sends it anyway", action: .sendAnyway(text))])
    }

    static func sessionGone(_ text: String) -> Question {
        Question(title: "Session deleted",
                 text: "This session was deleted in another glmchat window, so the message could not be saved. "
                     + "Your text is still in the input.",
                 choices: [Choice(key: .enter, keyName: "Enter", label: "sends it in a new session",
                                  action: .sendInNewSession(text))])
    }
}

extension ChatApp {
    func ask(_ question: Question) {
        overlay = .question(question)
        isDirty = true
    }

    func answer(_ question: Question, with key: Key) {
        guard let action = question.action(for: key) else { return }
        overlay = nil
        switch action {
        case .sendInNewSession(let text):
            let typed = editor.text
            newSession()
            send(text, typed: typed, confirmed: true)
        case .switchModel(let entry):
            loadModel(entry)
        case .sendAnyway(let text):
            send(text, typed: editor.text, confirmed: true)
        case .keep:
            break
        }
    }
}
