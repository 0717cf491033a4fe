/// A Python literal as read, before it becomes JSON: dict keys keep their Python type so that a dict
/// merges equal keys as Python does (`1`, `1.0` and `True` are one key) before the keys become strings
/// as `json.dumps` writes them.
indirect enum PythonLiteral {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([PythonLiteral])
    case tuple([PythonLiteral])
    case dict([(PythonLiteral, PythonLiteral)])

    /// The JSON `json.dumps` would write for it: tuples become arrays, dict keys strings.
    func json(at parser: PythonLiteralParser) throws -> JSONValue {
        switch self {
        case .none: return .null
        case .bool(let value): return .bool(value)
        case .int(let value): return .int(value)
        case .float(let value): return .double(value)
        case .string(let value): return .string(value)
        case .list(let items), .tuple(let items): return .array(try items.map { try $0.json(at: parser) })
        case .dict(let members):
            var merged: [(key: PythonLiteral, value: PythonLiteral)] = []
            for (key, value) in members {
                guard key.isHashableScalar else {
                    throw parser.failure("a dict key must be a string, number, True, False or None (JSON keys are strings)")
                }
                if let existing = merged.firstIndex(where: { $0.key.pythonEquals(key) }) {
                    merged[existing].value = value
                } else {
                    merged.append((key, value))
                }
            }
            return .object(try merged.map { (key: $0.key.jsonKey, value: try $0.value.json(at: parser)) })
        }
    }

    private var isHashableScalar: Bool {
        switch self {
        case .none, .bool, .int, .float, .string: true
        case .list, .tuple, .dict: false
        }
    }

    /// Python's `==` between dict keys: strings by their code points, numbers by value across types.
    private func pythonEquals(_ other: PythonLiteral) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case let (.string(a), .string(b)): return a.isByteEqual(to: b)
        case let (.float(a), .float(b)): return a == b
        case let (.float(a), _): return other.integerValue.map { Double(exactly: $0) == a } ?? false
        case let (_, .float(b)): return integerValue.map { Double(exactly: $0) == b } ?? false
        default:
            guard let a = integerValue, let b = other.integerValue else { return false }
            return a == b
        }
    }

    /// Booleans are the integers 0 and 1 in Python.
    private var integerValue: Int? {
        switch self {
        case .bool(let value): value ? 1 : 0
        case .int(let value): value
        default: nil
        }
    }

    /// How `json.dumps` writes a non-string key.
    private var jsonKey: String {
        switch self {
        case .none: "null"
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .float(let value): JSONValue.double(value).pythonDumps()
        case .string(let value): value
        case .list, .tuple, .dict: ""
        }
    }
}
