import Foundation

/// A session's id: a lowercase UUID. The CLI also accepts any unique prefix of it.
public struct SessionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func random() -> SessionID { SessionID(UUID().uuidString.lowercased()) }
    public var description: String { rawValue }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.rawValue < b.rawValue }
}

/// A message's id: a lowercase UUID, stable across export and import.
public struct MessageID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func random() -> MessageID { MessageID(UUID().uuidString.lowercased()) }
    public var description: String { rawValue }
}

extension SessionID {
    /// The session of messages that are not stored (`glmchat run`, the server, a conversation file).
    public static let unsaved = SessionID("")
}
