import GLMConversation

/// A call the model asked for, as the user is shown it before it runs.
public struct ProposedCall: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A tool of the registry, with its keyword arguments.
        case tool
        /// The code interpreter (metadata `interpreter`), with the code of the last python block.
        case interpreter
    }

    public var kind: Kind
    /// The tool's name (the reply's metadata), `interpreter` for code.
    public var tool: String
    /// The arguments as parsed from `tool_call(...)` (a JSON object); `.object([])` for code.
    public var arguments: JSONValue
    /// The code to run (interpreter calls); empty for tools.
    public var code: String
    /// The source that offers the tool (`tools list` names it), empty for the interpreter.
    public var source: String
    /// The assistant message that holds the call (after the reply was split into its segments).
    public var messageID: MessageID
    /// Which round of this question it is (1 for the first call).
    public var round: Int

    public init(kind: Kind, tool: String, arguments: JSONValue, code: String = "", source: String = "",
                messageID: MessageID, round: Int) {
        self.kind = kind
        self.tool = tool
        self.arguments = arguments
        self.code = code
        self.source = source
        self.messageID = messageID
        self.round = round
    }
}

/// What the user decided about a proposed call.
public enum ApprovalDecision: Sendable, Equatable {
    /// Run it this time (`y`).
    case once
    /// Run it, and every later call of this tool in this session without asking (`a`).
    case always
    /// Do not run it (`n`); the model is told so in an observation and answers without it. The
    /// optional reason is added to that observation.
    case refuse(reason: String?)
    /// Run it with these arguments (`e`): a JSON object for a tool, `.string(code)` for the
    /// interpreter. The stored call and what the model sees next are rewritten to match.
    case edited(JSONValue)
    /// Do not run it; this text is the result (`m`, as in the original demo).
    case manual(String)
}

/// Asks the user about each call. The app shows a card and waits for a key; `glmchat run` asks on
/// the terminal or follows `--approve all|none`. Called on the loop's task: when that task is
/// cancelled (Esc) the approver should return promptly (any decision; the loop stops anyway).
public protocol ToolApprover: Sendable {
    func decide(_ call: ProposedCall) async -> ApprovalDecision
}

/// Approves or refuses everything without asking (`--approve all`, `--approve none`, tests).
public struct FixedApprover: ToolApprover {
    public let decision: ApprovalDecision

    public init(_ decision: ApprovalDecision) {
        self.decision = decision
    }

    public func decide(_ call: ProposedCall) async -> ApprovalDecision { decision }
}
