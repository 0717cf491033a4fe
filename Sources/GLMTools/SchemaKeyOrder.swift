import GLMConversation

/// The order of an object's keys when the source gave none (a TOML table, an MCP server's schema):
/// JSON Schema's usual keys first as tool lists write them, then the rest by their bytes. The prompt
/// is then the same on every run.
public enum SchemaKeyOrder {
    static let leadingKeys = ["type", "description", "properties", "items", "required", "enum"]

    public static func sorted(_ keys: [String]) -> [String] {
        keys.sorted { a, b in
            let rankA = leadingKeys.firstIndex(of: a) ?? leadingKeys.count
            let rankB = leadingKeys.firstIndex(of: b) ?? leadingKeys.count
            return rankA != rankB ? rankA < rankB : ExactText(a) < ExactText(b)
        }
    }
}
