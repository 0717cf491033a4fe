import GLMConversation

/// Checks a call's arguments against its tool's JSON Schema, the part of it tool lists use: `type`
/// (one name or a list), `properties`, `required`, `enum`, `items`, `additionalProperties: false`,
/// and the bounds `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/`maxItems`. Other keywords
/// are not checked. The first mismatch is reported with the path of the value (`unit`, `days[2]`)
/// in words the model can act on, since the message goes back to it as the observation.
public enum ArgumentValidator {
    /// The deepest nesting of schemas and values that is followed.
    static let maximumDepth = 64

    public static func validate(_ arguments: JSONValue, against schema: JSONValue, tool: String) throws(ToolRefusal) {
        guard case .object = arguments else {
            throw ToolRefusal("tool \(tool): the arguments must be keyword arguments")
        }
        if let problem = check(arguments, schema, path: "", depth: 0) {
            throw ToolRefusal("tool \(tool): \(problem)")
        }
    }

    /// The first problem of `value` under `schema`, or nil.
    static func check(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int) -> String? {
        guard depth < maximumDepth else { return nil }
        guard case .object = schema else { return nil }   // `true`, `{}` or a schema this reader does not know
        let name = path.isEmpty ? "the arguments" : "argument `\(path)`"
        if let types = typeNames(schema["type"]), !types.contains(where: { matches(value, type: $0) }) {
            return "\(name) must be \(describe(types)), not \(kindName(value))"
        }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            let listed = allowed.prefix(20).map { $0.pythonDumps() }.joined(separator: ", ")
            return "\(name) must be one of \(listed), not \(value.pythonDumps())"
        }
        switch value {
        case .object(let members):
            return checkObject(members, schema, path: path, depth: depth)
        case .array(let items):
            if let problem = checkCount(items.count, schema, "minItems", "maxItems", name: name, unit: "items") { return problem }
            guard let itemSchema = schema["items"] else { return nil }
            for (index, item) in items.enumerated() {
                if let problem = check(item, itemSchema, path: "\(path.isEmpty ? "arguments" : path)[\(index)]", depth: depth + 1) {
                    return problem
                }
            }
        case .string(let text):
            return checkCount(text.unicodeScalars.count, schema, "minLength", "maxLength", name: name, unit: "characters")
        case .int(let number):
            return checkBounds(Double(number), schema, name: name)
        case .double(let number):
            return checkBounds(number, schema, name: name)
        case .bool, .null:
            break
        }
        return nil
    }

    private static func checkObject(_ members: [(key: String, value: JSONValue)], _ schema: JSONValue,
                                    path: String, depth: Int) -> String? {
        let properties: [(key: String, value: JSONValue)]
        if case .object(let declared)? = schema["properties"] { properties = declared } else { properties = [] }
        if case .array(let required)? = schema["required"] {
            for case .string(let key) in required where !members.contains(where: { $0.key.isByteEqual(to: key) }) {
                return "the required argument `\(join(path, key))` is missing"
            }
        }
        let closed = schema["additionalProperties"] == .bool(false)
        for member in members {
            let childPath = join(path, member.key)
            guard let propertySchema = properties.first(where: { $0.key.isByteEqual(to: member.key) })?.value else {
                if closed {
                    let known = properties.map { "`\($0.key)`" }.joined(separator: ", ")
                    return "unknown argument `\(childPath)`" + (known.isEmpty ? " (it takes none)" : " (known: \(known))")
                }
                continue
            }
            if let problem = check(member.value, propertySchema, path: childPath, depth: depth + 1) { return problem }
        }
        return nil
    }

    private static func checkBounds(_ number: Double, _ schema: JSONValue, name: String) -> String? {
        if let low = numberValue(schema["minimum"]), number < low { return "\(name) must be at least \(format(low))" }
        if let high = numberValue(schema["maximum"]), number > high { return "\(name) must be at most \(format(high))" }
        return nil
    }

    private static func checkCount(_ count: Int, _ schema: JSONValue, _ minKey: String, _ maxKey: String,
                                   name: String, unit: String) -> String? {
        if let low = numberValue(schema[minKey]), Double(count) < low { return "\(name) must have at least \(format(low)) \(unit)" }
        if let high = numberValue(schema[maxKey]), Double(count) > high { return "\(name) must have at most \(format(high)) \(unit)" }
        return nil
    }

    private static func typeNames(_ type: JSONValue?) -> [String]? {
        switch type {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap(\.stringValue)
        default: nil
        }
    }

    /// Whether `value` is of JSON Schema type `type` (an unknown type name accepts anything).
    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("array", .array), ("object", .object),
             ("integer", .int), ("number", .int), ("number", .double):
            return true
        case ("integer", .double(let number)):
            return number.rounded() == number && number.isFinite
        case ("string", _), ("boolean", _), ("null", _), ("array", _), ("object", _), ("integer", _), ("number", _):
            return false
        default:
            return true
        }
    }

    private static func kindName(_ value: JSONValue) -> String {
        switch value {
        case .null: "None"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a dict"
        }
    }

    private static func describe(_ types: [String]) -> String {
        let names = types.map { type -> String in
            switch type {
            case "string": "a string"
            case "integer": "an integer"
            case "number": "a number"
            case "boolean": "a boolean (True or False)"
            case "array": "a list"
            case "object": "a dict"
            case "null": "None"
            default: type
            }
        }
        return names.joined(separator: " or ")
    }

    private static func numberValue(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let number)?: Double(number)
        case .double(let number)?: number
        default: nil
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }
}

/// A call that is not run: the reason goes back to the model as the observation.
public struct ToolRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
