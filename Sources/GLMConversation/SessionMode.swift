/// What a session offers the model, as in the original demo's three tabs: plain chat, the enabled
/// tools (their list goes into the system message), or the code interpreter (its system prompt,
/// SPEC section 7). Kept with the session so reopening it builds the same prompt.
public enum SessionMode: String, Sendable, CaseIterable, Codable {
    case chat, tool, code

    /// The name shown in the status line and taken by "/mode".
    public var title: String {
        switch self {
        case .chat: "Chat"
        case .tool: "Tool"
        case .code: "Code"
        }
    }

    /// Reads a stored or typed mode name by its bytes, ignoring ASCII case ("Tool", "code").
    public init?(name: String) {
        let lowered = String(decoding: name.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
        guard let mode = Self.allCases.first(where: { $0.rawValue.isByteEqual(to: lowered) }) else { return nil }
        self = mode
    }

    /// The system message the original demo sends in this mode (nil: the user's own, if any).
    /// Tool mode's text is followed by the tool list; code mode's is the demo's English prompt.
    public var systemPrompt: String? {
        switch self {
        case .chat: nil
        case .tool: Self.toolPrompt
        case .code: Self.interpreterPrompt
        }
    }

    public static let toolPrompt =
        "Answer the following questions as best as you can. You have access to the following tools:"

    public static let interpreterPrompt =
        "You are an intelligent AI assistant, named ChatGLM. You are connected to a computer, but please note that "
        + "you cannot connect to the internet. When using Python to solve tasks, you can run the code and get the "
        + "results. If there are errors in the running results, you need to improve the code as much as possible. "
        + "You can process files uploaded by users to your computer, and the default storage path for files is /mnt/data/."

    /// The metadata of a code-interpreter reply.
    public static let interpreterMetadata = "interpreter"
}
