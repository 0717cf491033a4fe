import Foundation
import GLMConversation

/// A value of a TOML 1.0 document as `TOMLParser` reads it (config.toml, the themes).
enum TOMLValue: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// An offset or local date-time, a local date or a local time, as written: checked, not
    /// converted (no setting of glmchat takes one).
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    var string: String? { if case .string(let text) = self { text } else { nil } }
    var int: Int? { if case .integer(let number) = self { number } else { nil } }
    /// A float only: an integer answers nil, as TOML keeps the two apart.
    var double: Double? { if case .float(let number) = self { number } else { nil } }
    var bool: Bool? { if case .boolean(let flag) = self { flag } else { nil } }
    var array: [TOMLValue]? { if case .array(let items) = self { items } else { nil } }
    var table: TOMLTable? { if case .table(let table) = self { table } else { nil } }

    /// The value written as TOML (an inline table for a table), as error messages quote it.
    var description: String {
        switch self {
        case .string(let text): Self.basicString(text)
        case .integer(let number): "\(number)"
        case .float(let number):
            number.isNaN ? "nan" : number.isInfinite ? (number < 0 ? "-inf" : "inf") : "\(number)"
        case .boolean(let flag): flag ? "true" : "false"
        case .dateTime(let text): text
        case .array(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .table(let table):
            "{" + table.keys.compactMap { key in table[key].map { "\(Self.key(key)) = \($0)" } }.joined(separator: ", ") + "}"
        }
    }

    /// A key as TOML writes it: bare when it can be, else a basic string.
    static func key(_ key: String) -> String {
        !key.isEmpty && key.utf8.allSatisfy(TOMLByte.isBareKey) ? key : basicString(key)
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func basicString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// A TOML table: its keys in the order the document gives them, and their values. Keys are told
/// apart by their bytes (`ExactText`), as TOML does, not by `String ==`.
struct TOMLTable: Equatable, Sendable {
    private(set) var keys: [String] = []
    private var values: [ExactText: TOMLValue] = [:]

    init() {}

    subscript(key: String) -> TOMLValue? { values[ExactText(key)] }

    /// Adds a key the table does not have yet (the parser has checked that it is new).
    mutating func append(_ value: TOMLValue, for key: String) {
        if values.updateValue(value, forKey: ExactText(key)) == nil { keys.append(key) }
    }
}
