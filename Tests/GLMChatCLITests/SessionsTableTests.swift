import Foundation
import Testing

/// `glmchat sessions list` prints stored titles whole up to 60 cells and cuts longer ones with "…".
@Suite(.enabled(if: CLI.isBuilt, "glmchat is not built next to the tests"))
struct SessionsTableTests {
    /// A session export with no messages and the given title, as `sessions export --format json` writes.
    func export(id: String, title: String) -> [String: Any] {
        let time = "2024-05-01T12:00:00.000Z"
        return [
            "format": "glmchat-session", "version": 1, "messages": [Any](),
            "session": [
                "id": id, "title": title, "titleIsCustom": false, "modelKind": "chat", "modelName": "glm",
                "systemPrompt": "", "createdAt": time, "updatedAt": time, "archived": false,
                "sampling": ["temperature": 0.8, "topP": 0.8, "topK": 0, "repetitionPenalty": 1.0] as [String: Any],
            ] as [String: Any],
        ]
    }

    @Test func longTitlesAreCutToSixtyCells() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = String(repeating: "中文", count: 40)                  // 160 cells
        let fits = String(repeating: "x", count: 60)                    // exactly 60 cells
        var files: [String] = []
        for (index, (id, title)) in [("11111111-0000-4000-8000-000000000001", long),
                                     ("22222222-0000-4000-8000-000000000002", fits)].enumerated() {
            let path = directory + "/session\(index).json"
            try JSONSerialization.data(withJSONObject: export(id: id, title: title)).write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let imported = try CLI.run(["sessions", "import", "--data-dir", directory] + files)
        #expect(imported.status == 0, "\(imported.stderr)")

        let listed = try CLI.run(["sessions", "list", "--data-dir", directory])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.text.split(separator: "\n").map(String.init)
        // 29 wide characters (58 cells) and "…": a 30th would leave no cell for it.
        let cut = String(repeating: "中文", count: 14) + "中…"
        #expect(lines.contains { $0.hasPrefix("11111111  ") && $0.hasSuffix("  " + cut) }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("22222222  ") && $0.hasSuffix("  " + fits) }, "\(lines)")
    }
}
