import GLMConversation

/// The system prompts of the original demo's modes (SPEC section 7) and what the model kinds allow.
public enum ToolPrompts {
    /// Tool mode: the tools follow this text in the system message.
    public static let toolSystemPrompt =
        "Answer the following questions as best as you can. You have access to the following tools:"

    /// Code mode (the demo's English version).
    public static let interpreterSystemPrompt =
        "You are an intelligent AI assistant, named ChatGLM. You are connected to a computer, but please note that you cannot connect to the internet. When using Python to solve tasks, you can run the code and get the results. If there are errors in the running results, you need to improve the code as much as possible. You can process files uploaded by users to your computer, and the default storage path for files is /mnt/data/."

    /// Code mode, the Chinese original.
    public static let interpreterSystemPromptChinese =
        "你是一位智能AI助手，你叫ChatGLM，你连接着一台电脑，但请注意不能联网。在使用Python解决任务时，你可以运行代码并得到结果，如果运行结果有错误，你需要尽可能对代码进行改进。你可以处理用户上传到电脑上的文件，文件默认存储路径是/mnt/data/。"

    /// Whether tools can be offered to a model of this kind: the base model has no chat format.
    public static func offersTools(_ kind: ModelKind) -> Bool { kind.usesChatFormat }

    /// The warning to show when tools are offered to `kind`, or nil.
    public static func warning(for kind: ModelKind) -> String? {
        switch kind {
        case .chat: nil
        case .chat32k: "the 32K model was not trained for tools; its calls may be unreliable"
        case .base: "the base model has no chat format: no tools are offered"
        }
    }
}
