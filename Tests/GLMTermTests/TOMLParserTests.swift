import Foundation
import Testing
@testable import GLMTerm

/// glmchat's TOML reader against Python's tomllib: 516 documents (toml-test, toml-spec-tests,
/// tomlkit's examples and glmchat's own cases, Fixtures/TOML_CORPUS.md) with tomllib's verdict,
/// written by scripts/make_toml_fixtures.py. Each accepted document must give tomllib's values
/// (strings compared by bytes), each refused one a `TOMLError`.
@Suite struct TOMLParserTests {
    static func loadCases() -> [[String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/toml_cases.json")
        guard let data = try? Data(contentsOf: url),
              let cases = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return cases
    }

    @Test func everyDocumentGetsTomllibsVerdict() {
        let cases = Self.loadCases()
        #expect(cases.count == 516, "Fixtures/toml_cases.json is missing or changed: scripts/make_toml_fixtures.py writes it")
        var disagreements: [String] = []
        for testCase in cases {
            guard let name = testCase["name"] as? String, let text = testCase["toml"] as? String else {
                disagreements.append("a case without a name or a document")
                continue
            }
            let expected = testCase["expected"]
            do {
                let table = try TOMLParser.parse(text)
                if expected is NSNull {
                    disagreements.append("\(name): accepted, tomllib refuses it")
                } else if let expected, !Self.matches(.table(table), expected) {
                    disagreements.append("\(name): values differ from tomllib's")
                }
            } catch {
                if !(expected is NSNull) { disagreements.append("\(name): refused (line \(error.line): \(error.message)), tomllib accepts it") }
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

    static func matches(_ value: TOMLValue, _ expected: Any) -> Bool {
        if let leaf = expected as? [String: Any], let type = leaf["type"] as? String {
            let text = leaf["value"] as? String ?? ""
            switch (type, value) {
            case ("string", .string(let string)): return Array(string.utf8) == Array(text.utf8)
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
        if let members = expected as? [String: Any] {
            guard case .table(let table) = value,
                  Set(table.keys.map { Array($0.utf8) }) == Set(members.keys.map { Array($0.utf8) }) else { return false }
            return members.allSatisfy { key, item in table[key].map { matches($0, item) } ?? false }
        }
        if let items = expected as? [Any] {
            guard case .array(let values) = value, values.count == items.count else { return false }
            return zip(values, items).allSatisfy { matches($0, $1) }
        }
        return false
    }
}
