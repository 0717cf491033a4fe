import Foundation

/// Every failure the session store reports to a user. The description is meant to be printed as it
/// is: it names the file and the problem, and what the user can do about it when there is something.
public struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The database file exists but cannot be opened or read (permissions, I/O, locked).
        case unreadable
        /// The file is a SQLite database that belongs to another program.
        case notGLMChatDatabase
        /// The database was written by a newer glmchat; it is left untouched.
        case schemaTooNew
        /// SQLite reported a failure while the store was in use.
        case database
        /// No session (or message) has the given id.
        case notFound
        /// An id prefix matches several sessions.
        case ambiguous
        /// An imported session has an id that is already in the database.
        case alreadyExists
        /// A file given to import is not a glmchat session export.
        case badImport
        /// A file could not be read or written.
        case io
    }

    public let kind: Kind
    public let path: String?
    public let problem: String

    public init(_ kind: Kind, path: String? = nil, _ problem: String) {
        self.kind = kind
        self.path = path
        self.problem = problem
    }

    public var description: String {
        if let path { return "\(path): \(problem)" }
        return problem
    }
}

extension StoreError: LocalizedError {
    public var errorDescription: String? { description }
}
