import GLMConversation
import GLMTools

/// The tool keys of config.toml: `[[tools]]` (command tools), `[[mcp_servers]]` and
/// `max_tool_rounds`. docs/TOOLS.md shows an example of each.
extension ChatConfiguration {
    static let toolKeys: Set<String> = ["name", "description", "parameters", "command", "timeout", "auto"]
    static let mcpKeys: Set<String> = ["name", "command", "timeout", "auto"]

    static func commandTools(_ value: TOMLValue?, path: String) throws(ConfigError) -> [CommandToolSpec] {
        guard let array = value?.array else { throw ConfigError(path: path, "tools must be an array of tables: [[tools]]") }
        var specs: [CommandToolSpec] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else { throw ConfigError(path: path, "tools[\(index)] must be a table") }
            if let unknown = table.keys.first(where: { !toolKeys.contains($0) }) {
                throw ConfigError(path: path, "tools[\(index)]: unknown key '\(unknown)' (known: \(toolKeys.sorted().joined(separator: ", ")))")
            }
            guard let name = table["name"]?.string, isToolName(name) else {
                throw ConfigError(path: path, "tools[\(index)] needs name = \"…\" (letters, digits, _ and -)")
            }
            let description = try optionalString(table, "description", entry: "tool '\(name)'", path: path) ?? ""
            let parameters = try schema(table["parameters"], tool: name, path: path)
            let command = try commandArray(table["command"], entry: "tool '\(name)'", path: path)
            let timeout = try seconds(table["timeout"], entry: "tool '\(name)'", path: path) ?? CommandToolSpec.defaultTimeout
            let auto = try flag(table["auto"], entry: "tool '\(name)'", path: path)
            if specs.contains(where: { $0.name.isByteEqual(to: name) }) { throw ConfigError(path: path, "two tools are named '\(name)'") }
            specs.append(CommandToolSpec(name: name, description: description, parameters: parameters, command: command,
                                         timeout: timeout, auto: auto))
        }
        return specs
    }

    static func mcpServers(_ value: TOMLValue?, path: String) throws(ConfigError) -> [MCPServerSpec] {
        guard let array = value?.array else { throw ConfigError(path: path, "mcp_servers must be an array of tables: [[mcp_servers]]") }
        var specs: [MCPServerSpec] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else { throw ConfigError(path: path, "mcp_servers[\(index)] must be a table") }
            if let unknown = table.keys.first(where: { !mcpKeys.contains($0) }) {
                throw ConfigError(path: path, "mcp_servers[\(index)]: unknown key '\(unknown)' (known: \(mcpKeys.sorted().joined(separator: ", ")))")
            }
            guard let name = table["name"]?.string, !name.isEmpty else {
                throw ConfigError(path: path, "mcp_servers[\(index)] needs name = \"…\"")
            }
            let command = try commandArray(table["command"], entry: "MCP server '\(name)'", path: path)
            let timeout = try seconds(table["timeout"], entry: "MCP server '\(name)'", path: path) ?? MCPServerSpec.defaultTimeout
            let auto = try flag(table["auto"], entry: "MCP server '\(name)'", path: path)
            if specs.contains(where: { $0.name.isByteEqual(to: name) }) { throw ConfigError(path: path, "two MCP servers are named '\(name)'") }
            specs.append(MCPServerSpec(name: name, command: command, timeout: timeout, auto: auto))
        }
        return specs
    }

    static func toolRounds(_ value: TOMLValue?, path: String) throws(ConfigError) -> Int {
        guard let rounds = value?.int, (1...100).contains(rounds) else {
            throw ConfigError(path: path, "max_tool_rounds must be a whole number from 1 to 100")
        }
        return rounds
    }

    /// Tool names go into the prompt and come back as the reply's metadata line: one word.
    private static func isToolName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || (48...57).contains($0.value) || $0 == "_" || $0 == "-" || $0 == "." }
            && !name.isByteEqual(to: "interpreter")
    }

    private static func optionalString(_ table: TOMLTable, _ key: String, entry: String, path: String) throws(ConfigError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw ConfigError(path: path, "\(entry): \(key) must be a string") }
        return text
    }

    private static func commandArray(_ value: TOMLValue?, entry: String, path: String) throws(ConfigError) -> [String] {
        guard let array = value?.array else {
            throw ConfigError(path: path, "\(entry) needs command = [\"program\", \"argument\", …]")
        }
        let parts = array.compactMap { $0.string }
        guard parts.count == array.count, let first = parts.first, !first.isEmpty else {
            throw ConfigError(path: path, "\(entry): command must be a non-empty array of strings, the program first")
        }
        return parts
    }

    private static func seconds(_ value: TOMLValue?, entry: String, path: String) throws(ConfigError) -> Double? {
        guard let value else { return nil }
        let seconds = value.double ?? value.int.map(Double.init)
        guard let seconds, seconds > 0, seconds <= 86_400 else {
            throw ConfigError(path: path, "\(entry): timeout must be a number of seconds above 0 (at most 86400)")
        }
        return seconds
    }

    private static func flag(_ value: TOMLValue?, entry: String, path: String) throws(ConfigError) -> Bool {
        guard let value else { return false }
        guard let flag = value.bool else { throw ConfigError(path: path, "\(entry): auto must be true or false") }
        return flag
    }

    /// `parameters`: a JSON Schema object, as a TOML table or as a JSON string (which keeps its key
    /// order; a TOML table's keys come in a fixed order: `type`, `description`, `properties`, …, then
    /// the rest by name). Missing: a tool that takes no arguments.
    private static func schema(_ value: TOMLValue?, tool: String, path: String) throws(ConfigError) -> JSONValue {
        guard let value else { return .object([("type", .string("object")), ("properties", .object([]))]) }
        let schema: JSONValue
        if let text = value.string {
            do {
                schema = try JSONValue.parse(text, source: "parameters of tool '\(tool)'")
            } catch {
                throw ConfigError(path: path, "tool '\(tool)': parameters is not valid JSON: \(error)")
            }
        } else if let table = value.table {
            schema = json(.table(table), depth: 0)
        } else {
            throw ConfigError(path: path, "tool '\(tool)': parameters must be a table or a JSON string")
        }
        guard case .object = schema else { throw ConfigError(path: path, "tool '\(tool)': parameters must be a JSON Schema object") }
        return schema
    }

    private static func json(_ value: TOMLValue, depth: Int) -> JSONValue {
        guard depth < 64 else { return .null }
        switch value {
        case .table(let table):
            let keys = SchemaKeyOrder.sorted(table.keys)
            return .object(keys.compactMap { key in table[key].map { (key, json($0, depth: depth + 1)) } })
        case .array(let items): return .array(items.map { json($0, depth: depth + 1) })
        case .boolean(let flag): return .bool(flag)
        case .integer(let number): return .int(number)
        case .float(let number): return .double(number)
        case .string(let text), .dateTime(let text): return .string(text)
        }
    }
}
