import Foundation
import GLMConversation
import Testing
@testable import GLMStore

/// `StoreAccess.readOnly`: what the sessions commands use, and the chat in a data folder it cannot
/// write. (The folder that cannot be written is tested end to end, as another user, in
/// GLMTermTests' TmuxKeysAndFoldersTests.)
@Suite struct ReadOnlyAccessTests {
    @Test func aReadOnlyStoreReadsButRefusesEveryWriteAndLeavesTheFileAlone() throws {
        let dir = try TempDir()
        let writer = try dir.open()
        let session = try writer.makeSession("kept")
        try writer.appendMessage(NewMessage(role: .user, content: "hello"), to: session.id)
        try writer.close()
        let before = try Data(contentsOf: dir.databaseURL)

        let store = try GLMStore(dataDirectory: dir.url, access: .readOnly)
        #expect(try store.listSessions().map(\.id) == [session.id])
        #expect(store.readOnlyReason != nil)
        // it reads a private copy here (the folder can be written): a write must not go there and vanish
        #expect {
            _ = try store.makeSession("lost")
        } throws: { error in
            (error as? GLMError)?.problem.hasPrefix("nothing can be saved") == true
        }
        #expect(throws: GLMError.self) {
            try store.appendMessage(NewMessage(role: .user, content: "lost"), to: session.id)
        }
        #expect(try store.messages(in: session.id).map(\.content) == ["hello"])
        try store.close()
        #expect(try Data(contentsOf: dir.databaseURL) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == [StorePaths.databaseFileName])
    }

    @Test func aWritableFolderOrOneNotYetMadeIsNoReasonToOpenReadOnly() throws {
        let dir = try TempDir()
        #expect(GLMStore.writeRefusal(databaseURL: dir.databaseURL) == nil)
        let later = dir.url.appendingPathComponent("not-yet/sessions.sqlite")
        #expect(GLMStore.writeRefusal(databaseURL: later) == nil)
        let store = try dir.open()
        try store.close()
        #expect(GLMStore.writeRefusal(databaseURL: dir.databaseURL) == nil)
    }
}
