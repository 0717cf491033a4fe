import GLMEngine

/// The fields of one JSON object of a request, read with their types checked; every error names
/// the field by its path (`messages[2].tool_calls[0].function.name`). A field set to `null` counts
/// as absent, as the OpenAI API treats it.
struct RequestFields {
    let members: [(key: String, value: JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String) throws(APIError) {
        guard case .object(let members) = value else {
            throw APIError.invalid(path.isEmpty ? nil : path, "\(path.isEmpty ? "the request body" : path) must be a JSON object")
        }
        self.members = members
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func value(_ key: String) -> JSONValue? {
        guard let found = members.last(where: { $0.key.isByteEqual(to: key) })?.value else { return nil }
        if case .null = found { return nil }
        return found
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func string(_ key: String) throws(APIError) -> String? {
        guard let found = value(key) else { return nil }
        guard case .string(let text) = found else { throw APIError.invalid(name(key), "\(name(key)) must be a string") }
        return text
    }

    func requiredString(_ key: String) throws(APIError) -> String {
        guard let text = try string(key) else { throw APIError.invalid(name(key), "\(name(key)) is required") }
        return text
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let found = value(key) else { return nil }
        guard case .bool(let flag) = found else { throw APIError.invalid(name(key), "\(name(key)) must be true or false") }
        return flag
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let found = value(key) else { return nil }
        let number: Int
        switch found {
        case .int(let value): number = value
        case .double(let value) where value.rounded() == value && abs(value) < 9e15: number = Int(value)
        default: throw APIError.invalid(name(key), "\(name(key)) must be an integer")
        }
        guard range.contains(number) else {
            throw APIError.invalid(name(key), "\(name(key)) must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard let found = value(key) else { return nil }
        let number: Double
        switch found {
        case .int(let value): number = Double(value)
        case .double(let value): number = value
        default: throw APIError.invalid(name(key), "\(name(key)) must be a number")
        }
        guard range.contains(number) else {
            throw APIError.invalid(name(key), "\(name(key)) must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    func array(_ key: String) throws(APIError) -> [JSONValue]? {
        guard let found = value(key) else { return nil }
        guard case .array(let items) = found else { throw APIError.invalid(name(key), "\(name(key)) must be an array") }
        return items
    }

    func object(_ key: String) throws(APIError) -> RequestFields? {
        guard let found = value(key) else { return nil }
        return try RequestFields(found, path: name(key))
    }

    /// The items of an array field, each an object.
    func objects(_ key: String) throws(APIError) -> [RequestFields]? {
        guard let items = try array(key) else { return nil }
        var objects: [RequestFields] = []
        for (index, item) in items.enumerated() {
            objects.append(try RequestFields(item, path: "\(name(key))[\(index)]"))
        }
        return objects
    }
}
