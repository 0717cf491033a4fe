import Foundation
import GLMInterpreter
import GLMStore
import GLMTools
import Testing
@testable import GLMTerm

/// Code mode in the app: the demo model writes Python, the card shows it, `y` runs it in the
/// session's sandboxed Python (its folder under the data folder), the result card and the model's
/// answer follow; Esc stops a running block; without bubblewrap the card and the model are told.
@MainActor @Suite(.serialized) struct AppCodeTests {

    static func codeHarness(rows: Int = 40, environment: [String: String] = ProcessInfo.processInfo.environment) async -> AppHarness {
        let harness = AppHarness(rows: rows, columns: 100, environment: environment)
        await harness.waitForModel()
        await harness.type("/mode code\r")
        return harness
    }

    static func askForCode(_ harness: AppHarness, _ question: String = "Square roots of 1 to 5, please") async {
        await harness.type(question + "\r")
        await harness.pump { harness.app.approval != nil }
    }

    /// At the code card: `e`, the block replaced by `code`, run, and the answer after it finished.
    static func runEdited(_ code: String, in harness: AppHarness) async {
        await harness.type("e")
        harness.app.editor.set(code)
        await harness.type("\r")
        await harness.pump { !harness.app.isGenerating }
    }

    static func stored(_ harness: AppHarness) throws -> [Message] {
        try harness.store.chosenPath(in: try #require(harness.app.currentSession?.id))
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func approvedCodeRunsInTheSessionsSandboxAndTheModelAnswers() async throws {
        let harness = await Self.codeHarness()
        defer { harness.app.closeInterpreter() }
        #expect(harness.screen.last?.hasPrefix(" Code · glm3-chat") == true)
        await Self.askForCode(harness)
        #expect(harness.screenContains("Code · python"))
        #expect(harness.screenContains("roots = [round(sqrt(n), 3) for n in range(1, 6)]"))
        #expect(harness.screenContains("Run this code?  y once"))
        #expect(!harness.screenContains("cannot run"))
        await harness.type("y")
        await harness.pump { !harness.app.isGenerating }
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "interpreter")
        #expect(messages[2].content == "```result\nroots: [1.0, 1.414, 1.732, 2.0, 2.236]\nsum = 8.382\n```")
        #expect(messages[3].content.hasPrefix("The code ran in the sandbox."))
        #expect(harness.screenContains("Result · python"))
        #expect(harness.screenContains("roots: [1.0, 1.414, 1.732, 2.0, 2.236]"))
        // its folder is the session's, under the data folder
        let id = try #require(harness.app.currentSession?.id)
        let folder = InterpreterFolder.sessionFolder(dataDirectory: harness.directory, session: id)
        #expect(harness.app.interpreterFolder?.path == folder.path)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func escapeStopsARunningBlockAndPythonKeepsItsVariables() async throws {
        let harness = await Self.codeHarness()
        defer { harness.app.closeInterpreter() }
        await Self.askForCode(harness)
        await harness.type("e")
        #expect(harness.screenContains("Edit the code"))
        harness.app.editor.set("kept = 41\nopen('/mnt/data/started', 'w').close()\nimport time\ntime.sleep(600)")
        await harness.type("\r")
        // the block is running once the file it writes is there
        let started = try #require(harness.app.interpreterFolder).appendingPathComponent("started")
        await harness.pump { FileManager.default.fileExists(atPath: started.path) && harness.app.runningCall != nil }
        #expect(harness.screen.last?.contains("running python") == true)
        await harness.press([.scalar("\u{1B}")])
        await harness.runner.step(timeoutMilliseconds: 0)
        await harness.pump { !harness.app.isGenerating }
        #expect(harness.app.activity == .idle)
        #expect(harness.app.runningCall == nil)
        #expect(try Self.stored(harness).map(\.role) == [.user, .assistant])
        #expect(!harness.screenContains("Result · python"))
        // the same Python answers the next block, with the variable the stopped block set
        await Self.askForCode(harness, "again")
        await Self.runEdited("print(kept + 1)", in: harness)
        let messages = try Self.stored(harness)
        #expect(messages.last(where: { $0.role == .observation })?.content == "```result\n42\n```")
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func aLongResultIsCollapsedAndTheFilesTheBlockWroteAreNamed() async throws {
        let harness = await Self.codeHarness(rows: 160)   // the whole turn on one screen
        defer { harness.app.closeInterpreter() }
        await Self.askForCode(harness)
        await Self.runEdited("for i in range(30):\n    print('line', i)\nopen('/mnt/data/plot.png', 'wb').write(b'png')",
                             in: harness)
        #expect(try Self.stored(harness).map(\.role) == [.user, .assistant, .observation, .assistant])
        // collapsed to its first lines, with the file named under them
        #expect(harness.screenContains("more lines (o or Ctrl+O expands)"))
        #expect(harness.screenContains("▣ figure: /mnt/data/plot.png"))
        await harness.type("\u{0F}")   // Ctrl+O: the last result, whole
        #expect(harness.screenContains("(o or Ctrl+O collapses)"))
        #expect(!harness.screenContains("more lines (o or Ctrl+O expands)"))
    }

    @Test(.enabled(if: CodeSandbox.required, CodeSandbox.reason))
    func theFilesABlockWroteAreStillNamedAfterTheSessionIsReopened() async throws {
        let harness = await Self.codeHarness(rows: 60)
        defer { harness.app.closeInterpreter() }
        await Self.askForCode(harness)
        // the output does not mention the file: only what the block wrote names it
        await Self.runEdited("open('/mnt/data/chart.png', 'wb').write(b'png')\nprint('saved')", in: harness)
        #expect(harness.screenContains("▣ figure: /mnt/data/chart.png"))
        let result = try #require(try Self.stored(harness).first { $0.role == .observation })
        // the text the model sees is the result block alone; the file is kept beside it
        #expect(result.content == "```result\nsaved\n```")
        #expect(result.files == ["chart.png"])
        let session = try #require(harness.app.currentSession)
        await harness.type("/new\r")
        #expect(!harness.screenContains("▣ figure"))
        harness.app.openSession(session)
        await harness.runner.step(timeoutMilliseconds: 0)
        #expect(harness.screenContains("▣ figure: /mnt/data/chart.png"))
        // and in a new app over the same store
        let reopened = AppHarness(rows: 60, columns: 100, store: harness.store)
        await reopened.waitForModel()
        reopened.app.openSession(session)
        await reopened.runner.step(timeoutMilliseconds: 0)
        #expect(reopened.screenContains("Result · python"))
        #expect(reopened.screenContains("▣ figure: /mnt/data/chart.png"))
    }

    @Test func withoutBubblewrapTheCardSaysHowToInstallItAndTheModelIsToldNothingRan() async throws {
        let harness = await Self.codeHarness(environment: ["PATH": "/nonexistent-glmchat-test", "HOME": "/nonexistent"])
        #expect(harness.app.notice?.text.contains("code cannot run here") == true)
        await Self.askForCode(harness)
        #expect(harness.screenContains("Code · python"))
        #expect(harness.screenContains("This code cannot run"))
        #expect(harness.screenContains("sudo apt install bubblewrap"))
        await harness.type("y")
        await harness.pump { !harness.app.isGenerating }
        let messages = try Self.stored(harness)
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[2].content.hasPrefix("```result\n[The code was not run: the code interpreter needs bubblewrap"))
        #expect(messages[3].content.hasPrefix("The code could not run here"))
        #expect(harness.app.notice?.text == "The code could not run here (no sandbox); the model was told")
        #expect(!messages[3].content.contains("ran in the sandbox"))
    }
}

/// `/upload PATH`: the file is copied into the session's folder and the next message starts with
/// its announcement, so the model gets it in the prompt; a bad path is a clear error and stays.
@MainActor @Suite struct AppUploadTests {
    static func file(named name: String, _ contents: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try Data(contents.utf8).write(to: url)
        return url
    }

    @Test func anUploadIsAnnouncedInTheNextMessageTheModelGetsAndOnlyThere() async throws {
        let harness = await AppCodeTests.codeHarness(environment: ["PATH": "/nonexistent-glmchat-test"])
        let source = try Self.file(named: "sales.csv", "month,total\n1,10\n")
        defer { try? FileManager.default.removeItem(at: source.deletingLastPathComponent()) }
        await harness.type("/upload \(source.path)\r")
        #expect(harness.app.notice?.isError == false)
        #expect(harness.app.notice?.text.contains("/mnt/data/sales.csv (17 bytes)") == true)
        #expect(harness.app.editor.text.isEmpty)
        let id = try #require(harness.app.currentSession?.id)
        let copy = InterpreterFolder.sessionFolder(dataDirectory: harness.directory, session: id).appendingPathComponent("sales.csv")
        #expect(try String(contentsOf: copy, encoding: .utf8) == "month,total\n1,10\n")
        await harness.type("x")   // the notice goes; the input's title keeps saying what is pending
        #expect(harness.screenContains("message · announces /mnt/data/sales.csv"))
        harness.app.editor.clear()
        await AppCodeTests.askForCode(harness, "Sum the totals")
        let announced = "#File: /mnt/data/sales.csv\n#Size: 17\n#File uploaded\nSum the totals"
        // what the model was asked, and what is stored
        let asked = try #require(harness.script.requests.last)
        #expect(asked.messages.last { $0.role == .user }?.content == announced)
        #expect(try AppCodeTests.stored(harness).first?.content == announced)
        await harness.type("n")
        await harness.pump { !harness.app.isGenerating }
        await harness.type("And the mean?\r")
        await harness.pump { harness.app.approval != nil }
        #expect(harness.script.requests.last?.messages.last { $0.role == .user }?.content == "And the mean?")
    }

    /// Only Code mode announces uploads; a message sent in another mode leaves them pending, not lost.
    @Test func anUploadWaitsThroughAChatModeMessage() async throws {
        let harness = await AppCodeTests.codeHarness(environment: ["PATH": "/nonexistent-glmchat-test"])
        let source = try Self.file(named: "notes.txt", "hello\n")
        defer { try? FileManager.default.removeItem(at: source.deletingLastPathComponent()) }
        await harness.type("/upload \(source.path)\r")
        await harness.type("/mode chat\r")
        await harness.type("Hi there\r")
        await harness.pump { harness.script.requests.count == 1 && !harness.app.isGenerating }
        #expect(harness.script.requests.last?.messages.last { $0.role == .user }?.content == "Hi there")
        await harness.type("/mode code\r")
        await AppCodeTests.askForCode(harness, "Read it")
        #expect(harness.script.requests.last?.messages.last { $0.role == .user }?.content
                == "#File: /mnt/data/notes.txt\n#Size: 6\n#File uploaded\nRead it")
    }

    @Test func aMissingFileADirectoryAndAFileTooBigAreClearErrorsAndTheTextStays() async throws {
        let harness = await AppCodeTests.codeHarness(environment: ["PATH": "/nonexistent-glmchat-test"])
        let missing = "/upload /nonexistent-glmchat/data.csv"
        await harness.type(missing + "\r")
        #expect(harness.app.notice?.isError == true)
        #expect(harness.app.notice?.text.contains("Could not upload") == true)
        #expect(harness.app.notice?.text.contains("/nonexistent-glmchat/data.csv") == true)
        #expect(harness.app.editor.text == missing)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        harness.app.editor.clear()
        await harness.type("/upload \(folder.path)\r")
        #expect(harness.app.notice?.text.contains("only a regular file can be uploaded") == true)
        #expect(harness.app.editor.text == "/upload \(folder.path)")

        // a sparse file just over the limit (no disk space used)
        let big = folder.appendingPathComponent("big.bin")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: UInt64(InterpreterFolder.uploadLimit + 1))
        try handle.close()
        harness.app.editor.clear()
        await harness.type("/upload \(big.path)\r")
        #expect(harness.app.notice?.text.contains("more than the 256 MiB an upload may have") == true)
        #expect(harness.app.editor.text == "/upload \(big.path)")
        #expect(harness.app.pendingUploads == nil)
    }

    @Test func uploadsAreForCodeMode() async throws {
        let harness = AppHarness(rows: 30, columns: 100)
        await harness.waitForModel()
        let source = try Self.file(named: "notes.txt", "hi")
        defer { try? FileManager.default.removeItem(at: source.deletingLastPathComponent()) }
        await harness.type("/upload \(source.path)\r")
        #expect(harness.app.notice?.isError == true)
        #expect(harness.app.notice?.text.contains("Code mode") == true)
        #expect(harness.app.editor.text == "/upload \(source.path)")
    }
}

/// Whether the sandbox's tests run here. In CI (which installs bubblewrap) they must run, never skip.
enum CodeSandbox {
    static let required = InterpreterAvailability.check(InterpreterSettings()).canRun
        || ProcessInfo.processInfo.environment["CI"] != nil
    static let reason: Comment = "needs bubblewrap (apt install bubblewrap) and python3 in PATH"
}
