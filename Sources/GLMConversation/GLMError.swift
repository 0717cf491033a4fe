import Foundation

/// Every failure glmchat reports to a user (the engine's and the session store's): what went wrong,
/// and with which file. The message is meant to be printed as it is, so it names the path and the problem.
public struct GLMError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        case fileNotFound, unreadable, truncated, badMagic, badFormat, unsupported
        case missingTensor, wrongShape, badValue, configMismatch, contextOverflow, tokenizer, io
        /// The session store: a SQLite file of another program, a database written by a newer glmchat
        /// (left untouched), a failure SQLite reported, no session with an id, an id prefix that matches
        /// several, an imported id already present, a file to import that is not a session export.
        case notGLMChatDatabase, schemaTooNew, database, notFound, ambiguous, alreadyExists, badImport
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

extension GLMError: LocalizedError {
    public var errorDescription: String? { description }
}
