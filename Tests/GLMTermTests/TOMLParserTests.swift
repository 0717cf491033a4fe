import Foundation
import GLMConversation
import Testing
@testable import GLMTerm

/// glmchat's TOML reader against Python's tomllib: 517 documents (toml-test, toml-spec-tests,
/// tomlkit's examples and glmchat's own cases, Fixtures/TOML_CORPUS.md) with tomllib's verdict,
/// written by scripts/make_toml_fixtures.py. Each accepted document must give tomllib's values
/// (strings compared by bytes), each refused one a `TOMLError`.
@Suite struct TOMLParserTests {
    /// The cases, read with glmchat's JSON parser, which keeps keys apart by their bytes.
    static func loadCases() -> [JSONValue] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/toml_cases.json")
        guard let data = try? Data(contentsOf: url), case .array(let cases)? = try? JSONValue.parse(bytes: data) else { return [] }
        return cases
    }

    @Test func everyDocumentGetsTomllibsVerdict() {
        let cases = Self.loadCases()
        #expect(cases.count == 517, "Fixtures/toml_cases.json is missing or changed: scripts/make_toml_fixtures.py writes it")
        var disagreements: [String] = []
        for testCase in cases {
            guard case .string(let name)? = Self.member(testCase, "name"), case .string(let text)? = Self.member(testCase, "toml"),
                  let expected = Self.member(testCase, "expected") else {
                disagreements.append("a case without a name, a document or a verdict")
                continue
            }
            do {
                let table = try TOMLParser.parse(text)
                if expected == .null {
                    disagreements.append("\(name): accepted, tomllib refuses it")
                } else if !Self.matches(.table(table), expected) {
                    disagreements.append("\(name): values differ from tomllib's")
                }
            } catch {
                if expected != .null { disagreements.append("\(name): refused (line \(error.line): \(error.message)), tomllib accepts it") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements:\n\(disagreements.joined(separator: "\n"))")
    }

    @Test func theRefusalNamesTheLine() {
        #expect(throws: TOMLError(line: 3, message: "expected a value (a string, a number, true or false, a date, an array or a table)")) {
            _ = try TOMLParser.parse("a = 1\n# b\nc = \n")
        }
        #expect(throws: TOMLError(line: 2, message: "a.b is defined twice")) {
            _ = try TOMLParser.parse("a.b = 1\r\na.b = 2\r\n")
        }
        #expect(throws: ConfigError(path: "config.toml", "line 3: expected a key (letters, digits, _ and -, or a quoted string)")) {
            _ = try ChatConfiguration.parse("theme = \"dark\"\n\n[[&models]]\nname = \"chat\"\n", path: "config.toml")
        }
    }

    /// Nesting beyond `maximumDepth` is refused before it can exhaust the stack, however deep.
    @Test func deepNestingIsRefusedNotACrash() {
        let depth = TOMLParser.maximumDepth
        #expect(throws: TOMLError.self) { _ = try TOMLParser.parse("a = " + String(repeating: "[", count: 100_000)) }
        #expect(throws: TOMLError.self) { _ = try TOMLParser.parse("a = " + String(repeating: "{b = ", count: 100_000)) }
        #expect(throws: TOMLError.self) { _ = try TOMLParser.parse("[" + Array(repeating: "k", count: depth + 1).joined(separator: ".") + "]") }
        #expect(throws: TOMLError.self) {
            _ = try TOMLParser.parse("[" + Array(repeating: "k", count: 60).joined(separator: ".") + "]\n"
                                     + Array(repeating: "k", count: 60).joined(separator: ".") + " = 1\n")
        }
        let nested = "a = " + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1)
        #expect((try? TOMLParser.parse(nested)) != nil)
    }

    @Test func keysKeepTheDocumentsOrder() throws {
        let table = try TOMLParser.parse("zeta = 1\n[alpha]\nx = 1\n[middle]\n")
        #expect(table.keys == ["zeta", "alpha", "middle"])
        #expect(TOMLValue.table(table).description == "{zeta = 1, alpha = {x = 1}, middle = {}}")
    }

    static func member(_ object: JSONValue, _ key: String) -> JSONValue? {
        guard case .object(let members) = object else { return nil }
        return members.first { $0.key.isByteEqual(to: key) }?.value
    }

    static func matches(_ value: TOMLValue, _ expected: JSONValue) -> Bool {
        if case .string(let type)? = member(expected, "type") {
            guard case .string(let text)? = member(expected, "value") ?? .string("") else { return false }
            switch (type, value) {
            case ("string", .string(let string)): return string.isByteEqual(to: text)
            case ("integer", .integer(let number)): return "\(number)" == text
            case ("bool", .boolean(let flag)): return (flag ? "true" : "false") == text
            case ("datetime", .dateTime): return true
            case ("float", .float(let number)):
                switch text {
                case "nan": return number.isNaN
                case "inf": return number == .infinity
                case "-inf": return number == -.infinity
                default: return Double(text).map { $0 == number && $0.sign == number.sign } ?? false
                }
            default: return false
            }
        }
        switch (value, expected) {
        case (.table(let table), .object(let members)):
            let keys: [ExactText] = table.keys.map { ExactText($0) }
            let expectedKeys: [ExactText] = members.map { ExactText($0.key) }
            guard Set(keys) == Set(expectedKeys), keys.count == expectedKeys.count else { return false }
            for member in members {
                guard let item = table[member.key], matches(item, member.value) else { return false }
            }
            return true
        case (.array(let values), .array(let items)):
            return values.count == items.count && zip(values, items).allSatisfy { matches($0, $1) }
        default:
            return false
        }
    }
}
