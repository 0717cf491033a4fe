import Foundation
import GRDB
import Testing
@testable import GLMStore

/// The files a code block wrote (figures) are kept with its result message, outside its text: the
/// store, a reopened store, export and import all give them back, and a damaged list is an error.
@Suite struct ResultFilesTests {
    static let result = "```result\nsaved\n```"

    /// A Code-mode turn whose block wrote two files; returns the session and the result's id.
    static func codeSession(_ store: GLMStore) throws -> (SessionID, MessageID) {
        let session = try store.createSession(NewSession(modelKind: "chat", modelName: "chatglm3-6b",
                                                         systemPrompt: SessionMode.interpreterPrompt, mode: .code))
        try store.appendMessage(NewMessage(role: .user, content: "Plot a sine"), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "```python\nplt.savefig('/mnt/data/sine.png')\n```",
                                           metadata: "interpreter"), to: session.id)
        let observation = try store.appendMessage(NewMessage(role: .observation, content: result,
                                                             files: ["sine.png", "图 2.svg"]), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "Done."), to: session.id)
        return (session.id, observation.id)
    }

    @Test func theFilesAreKeptWithTheResultAndItsTextIsUnchanged() throws {
        let dir = try TempDir()
        let (id, resultID) = try Self.codeSession(try dir.open())
        let store = try dir.open()
        let messages = try store.chosenPath(in: id)
        #expect(messages.map(\.files) == [[], [], ["sine.png", "图 2.svg"], []])
        #expect(messages[2].content == Self.result)
        #expect(messages[2].metadata == "")
        #expect(try store.message(resultID)?.files == ["sine.png", "图 2.svg"])
    }

    @Test func exportAndImportRoundTripTheFiles() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let (id, _) = try Self.codeSession(store)
        let json = try store.exportJSON(id)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""files" : ["#))
        // only the result carries the key: messages without files export as before
        #expect(text.components(separatedBy: #""files""#).count == 2)
        let otherDir = try TempDir()
        let other = try otherDir.open()
        let imported = try other.importSession(from: json, path: "code.json")
        #expect(try other.chosenPath(in: imported.id).map(\.files) == [[], [], ["sine.png", "图 2.svg"], []])
        #expect(try other.exportJSON(imported.id) == json)
    }

    @Test func aDamagedFileListIsAClearErrorNotACrash() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let (id, resultID) = try Self.codeSession(store)
        for bad in ["not json", #"{"a": 1}"#, "[1, 2]"] {
            try DatabaseQueue(path: dir.databaseURL.path).write { db in
                try db.execute(sql: "UPDATE message SET files = ? WHERE id = ?", arguments: [bad, resultID.rawValue])
            }
            #expect(throws: GLMError.self) { try store.chosenPath(in: id) }
        }
    }
}
