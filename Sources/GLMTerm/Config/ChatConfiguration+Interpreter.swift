import GLMConversation
import GLMInterpreter

/// config.toml's `[interpreter]` table: which Python runs the code interpreter and the limits of its
/// sandbox. The keys and their checks live with the interpreter (`InterpreterSettings.parse`).
extension ChatConfiguration {
    static func interpreterSettings(_ value: TOMLValue, path: String) throws(ConfigError) -> InterpreterSettings {
        guard let table = value.table else {
            throw ConfigError(path: path, "interpreter must be a table: [interpreter]")
        }
        var members: [(key: String, value: JSONValue)] = []
        for key in table.keys.sorted() {
            guard let item = table[key] else { continue }
            let converted: JSONValue
            if let flag = item.bool {
                converted = .bool(flag)
            } else if let whole = item.int {
                converted = .int(whole)
            } else if let fraction = item.double {
                converted = .double(fraction)
            } else if let text = item.string {
                converted = .string(text)
            } else {
                throw ConfigError(path: path, "interpreter.\(key) must be a string, a number or true/false")
            }
            members.append((key, converted))
        }
        do {
            return try InterpreterSettings.parse(members, path: path)
        } catch {
            throw ConfigError(path: path, error.problem)
        }
    }
}
