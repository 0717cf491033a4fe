import GLMConversation

/// What the agent loop reports while it answers one question, in order, for the app to draw.
public enum AgentEvent: Sendable, Equatable {
    /// A new answer of the model started (the first, or a continuation after an observation); its
    /// message is in the session, streaming.
    case answerStarted(MessageID)
    /// An event of the answer being written (text, metadata, progress, its `finished`), as
    /// `ChatSession.reply` gives them.
    case reply(ChatEvent)
    /// The finished answer was rewritten as these messages (its segments; a call with edited
    /// arguments). The messages shown should be read again from the session.
    case messagesReplaced(removed: MessageID, by: [Message])
    /// The model asked for a call; the approver is being asked (or it runs without asking:
    /// `approval` says which).
    case callProposed(ProposedCall, approval: ApprovalSource)
    /// The call could not be read or is not allowed (a parse error, an unknown tool, arguments that
    /// do not match the schema); `reason` also went back to the model as the observation.
    case callRefused(tool: String, reason: String)
    /// The user's decision, once made.
    case decided(ProposedCall, ApprovalDecision)
    /// The call is running (show a spinner; Esc cancels the loop's task).
    case running(ProposedCall)
    /// The run wrote these files into the session's folder (relative names; the interpreter's
    /// figures): name them in the transcript. Comes just before the observation.
    case filesWritten([String])
    /// The observation message was added to the session (the result, an error, a refusal, a manual
    /// result); `isError` is true when the tool failed.
    case observation(Message, isError: Bool)
    /// The model asked for one more call after `rounds` rounds; it was not run and the loop ends.
    case roundLimit(rounds: Int)
    /// Something went wrong outside the tools (the store, the backend); the loop ends.
    case error(String)
    /// The loop ended. Always the last event.
    case finished(AgentOutcome)
}

/// Why a call runs or waits.
public enum ApprovalSource: Sendable, Equatable {
    /// The approver is asked.
    case asking
    /// The tool has `auto = true` in the config.
    case automatic
    /// The user chose "always" for this tool earlier in this session.
    case alwaysForThisTool
}

/// How a question ended.
public enum AgentOutcome: Sendable, Equatable {
    /// The model answered in words (no further call).
    case answered
    /// Stopped by the user (Esc / task cancelled); everything written so far is kept.
    case cancelled
    /// The model wanted more calls than `maxToolRounds` allows.
    case roundLimit
    /// The answer failed (the backend or the store); the message says why.
    case failed(String)
}
