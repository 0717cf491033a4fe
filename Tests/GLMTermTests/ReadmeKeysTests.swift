import Foundation
import Testing
@testable import GLMTerm

/// The README's "The chat" section lists the keys the app really has, and every action's key;
/// its config.toml example reads.
@Suite struct ReadmeKeysTests {
    static let readme: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
    }()

    /// The first column of the key table in "## The chat".
    static var keyCells: [String] {
        guard let start = readme.range(of: "## The chat\n") else { return [] }
        let section = readme[start.upperBound...]
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        return section[..<end].split(separator: "\n")
            .filter { $0.hasPrefix("| ") && !$0.hasPrefix("| key") }
            .compactMap { $0.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// Everything F1 says for the standard keys.
    static var helpText: String {
        KeyBindings.list(for: .standard).map { $0.keys + " " + $0.action }.joined(separator: "\n")
    }

    @Test func everyKeyTheReadmeListsIsOneTheAppHas() throws {
        let cells = Self.keyCells
        #expect(cells.count >= 15)
        for cell in cells {
            // `/commands` are checked below; the rest are key names
            let keys = cell.replacingOccurrences(of: #"`[^`]*`"#, with: ",", options: .regularExpression)
                .replacingOccurrences(of: " or ", with: ",").replacingOccurrences(of: " and ", with: ",")
                .replacingOccurrences(of: " / ", with: ",")
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            for key in keys {
                #expect(Self.helpText.contains(key), "README lists \(key), which F1 does not have")
            }
            for match in cell.matches(of: /`(\/[a-z]+)/) {
                #expect(Self.helpText.contains(String(match.1)), "README lists \(match.1), which F1 does not have")
            }
        }
    }

    @Test func everyActionsKeyIsInTheReadme() {
        let table = Self.keyCells.joined(separator: "\n")
        for action in AppAction.allCases {
            for key in KeyMap.standard.bindings[action] ?? [] {
                #expect(table.contains(KeySpec.name(key)), "\(action.rawValue) (\(KeySpec.name(key))) is not in the README's table")
            }
        }
    }

    @Test func theConfigExampleReads() throws {
        let block = try #require(Self.readme.firstMatch(of: /```toml\n(?<body>[\s\S]*?)```/))
        let configuration = try ChatConfiguration.parse(String(block.body), path: "README.md", home: "/home/someone")
        #expect(configuration.keyMap.style == .vi)
        #expect(configuration.keyMap.action(for: .control("o")) == .copy)
        #expect(configuration.models.map(\.name) == ["glm3-chat", "glm3-32k"])
    }
}
