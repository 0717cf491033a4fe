/// A problem in a file the user wrote (config.toml, a theme): the path and what is wrong with it,
/// printed as it is.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: String

    public init(path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}

extension ConfigError {
    /// The TOML table of a user's file, or the error naming the file and the line that broke it.
    static func parseTOML(_ text: String, path: String) throws(ConfigError) -> TOMLTable {
        do {
            return try TOMLParser.parse(text)
        } catch {
            throw ConfigError(path: path, "line \(error.line): \(error.message)")
        }
    }
}
