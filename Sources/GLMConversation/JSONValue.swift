/// A JSON value that keeps object keys in the order they were given, as Python's `json`
/// module does. Strings and keys compare by their bytes, as Python compares them. The tool lists of a ChatGLM3 system prompt are serialized from it exactly as
/// Python's `json.dumps` writes them (see `pythonDumps`), because the model sees those bytes.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent (Python reads it as an int).
    case int(Int)
    /// A number with a fraction or exponent (Python reads it as a float).
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in their given order.
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.string(a), .string(b)): a.isByteEqual(to: b)
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key.isByteEqual(to: $1.key) && $0.value == $1.value }
        default: false
        }
    }

    /// The value of `key` in an object (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key.isByteEqual(to: key) }?.value
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
