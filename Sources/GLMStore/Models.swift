// Sessions and messages are the shared conversation types; the store adds how it lists them.
@_exported import GLMConversation

/// Which sessions a listing shows.
public enum ArchiveFilter: Sendable {
    case active, archived, all
}
