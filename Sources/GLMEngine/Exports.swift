// The conversation types (messages, sessions, stats, events, errors) are part of the engine's API.
@_exported import GLMConversation
