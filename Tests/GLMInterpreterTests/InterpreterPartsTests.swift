import Foundation
import GLMConversation
import Testing
@testable import GLMInterpreter

/// The parts of the interpreter that need no sandbox: texts the model sees, the output cut, the
/// driver's frames, settings, uploads.
@Suite struct InterpreterPartsTests {
    @Test func theObservationIsAFencedResultBlockAsInSpec() {
        #expect(InterpreterResult.observation(output: "42").isByteEqual(to: "```result\n42\n```"))
        let result = InterpreterResult(outcome: .finished, stdout: "hello\n42\n", stderr: "", traceback: nil, files: [],
                                       stateLost: false, restartedAfterLoss: false, unsandboxed: false, outputLimit: 100)
        #expect(result.observation.isByteEqual(to: "```result\nhello\n42\n```"))
    }

    @Test func outputThenStderrThenTracebackThenNotices() {
        let result = InterpreterResult(outcome: .timedOut(seconds: 2), stdout: "a", stderr: "b\n", traceback: "Trace",
                                       files: [], stateLost: true, restartedAfterLoss: true, unsandboxed: true,
                                       outputLimit: 100)
        let expected = [InterpreterNotice.unsandboxed, InterpreterNotice.restarted, "a\nb\nTrace",
                        "[Timed out after 2 s: Python was stopped and its variables are lost]"].joined(separator: "\n")
        #expect(result.output.isByteEqual(to: expected))
    }

    @Test func longTextKeepsHeadAndTailAroundAMarkedCut() {
        let text = (0..<1000).map(String.init).joined(separator: "\n")
        let cut = HeadTail.cut(text, limit: 100)
        #expect(cut.hasPrefix("0\n1\n2\n"))
        #expect(cut.hasSuffix("998\n999"))
        let omitted = text.utf8.count - 100
        #expect(cut.contains("\n[... \(omitted) bytes of output cut ...]\n"))
        #expect(HeadTail.cut("short", limit: 100).isByteEqual(to: "short"))
    }

    @Test func theCutNeverSplitsACharacter() {
        let text = String(repeating: "你好", count: 200)
        let cut = HeadTail.cut(text, limit: 11)
        #expect(cut.hasPrefix("你好你好你"))
        #expect(cut.hasSuffix("你好你好你好"))
    }

    @Test func aCaptureKeepsTheFirstAndLastBytesOfAnyLength() {
        var capture = OutputCapture(keep: 4)
        for chunk in ["ab", "cdefg", "hijklmnopq", "r", "stuvwxyz"] { capture.append(Array(chunk.utf8)) }
        #expect(capture.total == 26)
        #expect(capture.droppedBytes == 18)
        #expect(capture.text.isByteEqual(to: "abcd\n[... 18 bytes of output cut ...]\nwxyz"))
        var small = OutputCapture(keep: 4)
        small.append(Array("abcdef".utf8))
        #expect(small.text.isByteEqual(to: "abcdef"))
    }

    @Test func theEndMarkerIsFoundAcrossReads() {
        var scanner = MarkerScanner(marker: Array("<END>".utf8))
        var output: [UInt8] = []
        for chunk in ["hello <", "E", "N", "D and <EN", "D> after"] {
            output += scanner.feed(Array(chunk.utf8))
        }
        #expect(scanner.found)
        #expect(String(decoding: output, as: UTF8.self) == "hello <END and ")
        #expect(scanner.feed(Array("more".utf8)).isEmpty)
    }

    @Test func withoutTheMarkerHeldBytesComeBackAtTheEnd() {
        var scanner = MarkerScanner(marker: Array("<END>".utf8))
        let first = scanner.feed(Array("text <EN".utf8))
        #expect(String(decoding: first, as: UTF8.self) == "text ")
        #expect(String(decoding: scanner.finish(), as: UTF8.self) == "<EN")
        #expect(!scanner.found)
    }

    @Test func framesArriveWholeOrNotAtAll() throws {
        let frame = DriverFrameReader.encode(.object([("status", .string("ok")), ("traceback", .null)]))
        var reader = DriverFrameReader()
        reader.append(frame.prefix(3))
        #expect(try reader.next() == nil)
        reader.append(frame.dropFirst(3).prefix(5))
        #expect(try reader.next() == nil)
        reader.append(frame.dropFirst(8) + DriverFrameReader.encode(.object([("ready", .string("3.11.7"))])))
        let first = try #require(try reader.next())
        #expect(try DriverAnswer(first) == .finished(status: .ok, traceback: nil))
        let second = try #require(try reader.next())
        #expect(try DriverAnswer(second) == .ready(version: "3.11.7"))
        #expect(try reader.next() == nil)
    }

    @Test func aHostileFrameIsAnErrorNotACrash() {
        var tooLong = DriverFrameReader()
        tooLong.append([0xff, 0xff, 0xff, 0xff, 1, 2, 3])
        #expect(throws: GLMError.self) { try tooLong.next() }
        var notJSON = DriverFrameReader()
        notJSON.append([0, 0, 0, 3] + Array("{x}".utf8))
        #expect(throws: GLMError.self) { try notJSON.next() }
        for bad in [#"{"status": "maybe"}"#, #"{"status": "ok", "traceback": 3}"#, #"{"ready": 1}"#, "[]"] {
            #expect(throws: GLMError.self) { try DriverAnswer(try JSONValue.parse(bad)) }
        }
    }

    @Test func theUploadAnnouncementIsTheTrainedForm() {
        let file = UploadedFile(name: "metadata.jsonl", size: 35380)
        #expect(file.announcement.isByteEqual(to: "#File: /mnt/data/metadata.jsonl\n#Size: 35380\n#File uploaded\n"))
        #expect(UploadedFile.announce([file], before: "Are there missing values?").isByteEqual(
            to: "#File: /mnt/data/metadata.jsonl\n#Size: 35380\n#File uploaded\nAre there missing values?"))
    }

    @Test func uploadCopiesARegularFileAndRefusesADirectory() throws {
        let root = try TemporaryFolder()
        let source = root.url.appendingPathComponent("data.csv")
        try Data("a,b\n1,2\n".utf8).write(to: source)
        let folder = root.url.appendingPathComponent("session")
        let uploaded = try InterpreterFolder.upload(source.path, into: folder)
        #expect(uploaded == UploadedFile(name: "data.csv", size: 8))
        #expect(try Data(contentsOf: folder.appendingPathComponent("data.csv")) == Data("a,b\n1,2\n".utf8))
        #expect(throws: GLMError.self) { try InterpreterFolder.upload(root.url.path, into: folder) }
        #expect(throws: GLMError.self) { try InterpreterFolder.upload(root.url.appendingPathComponent("none").path, into: folder) }
    }

    @Test func uploadReplacesALinkLeftInTheFolderInsteadOfWritingThroughIt() throws {
        let root = try TemporaryFolder()
        let outside = root.url.appendingPathComponent("outside.txt")
        try Data("keep".utf8).write(to: outside)
        let folder = root.url.appendingPathComponent("session")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("notes.txt").path,
                                                   withDestinationPath: outside.path)
        let source = root.url.appendingPathComponent("notes.txt")
        try Data("new".utf8).write(to: source)
        _ = try InterpreterFolder.upload(source.path, into: folder)
        #expect(try Data(contentsOf: outside) == Data("keep".utf8))
        #expect(try Data(contentsOf: folder.appendingPathComponent("notes.txt")) == Data("new".utf8))
    }

    @Test func settingsReadTheInterpreterTable() throws {
        let settings = try InterpreterSettings.parse([("python", .string("/usr/bin/python3")), ("timeout", .double(2.5)),
                                                      ("cpu_time", .int(10)), ("memory", .int(512)), ("output", .int(800)),
                                                      ("unsandboxed", .bool(true))], path: "config.toml")
        #expect(settings == InterpreterSettings(python: "/usr/bin/python3", timeoutSeconds: 2.5, cpuSeconds: 10,
                                                memoryBytes: 512 << 20, outputLimit: 800, unsandboxed: true))
        #expect(try InterpreterSettings.parse([], path: "c") == InterpreterSettings())
        #expect(InterpreterSettings().unsandboxed == false)
    }

    @Test(arguments: [("timeout", JSONValue.int(0)), ("memory", .int(1)), ("unsandboxed", .string("yes")),
                      ("unsandboxed", .int(1)), ("python", .string("")), ("cpu_time", .double(1.5)), ("sandbox", .bool(false))])
    func aBadSettingNamesTheKey(key: String, value: JSONValue) {
        #expect {
            _ = try InterpreterSettings.parse([(key, value)], path: "config.toml")
        } throws: { error in
            guard let error = error as? GLMError else { return false }
            return error.path == "config.toml" && error.problem.contains(key)
        }
    }


    @Test func aSessionFolderNameCannotLeaveTheDataFolder() {
        let data = URL(fileURLWithPath: "/data")
        #expect(InterpreterFolder.sessionFolder(dataDirectory: data, session: SessionID("ab-12")).path == "/data/interpreter/ab-12")
        #expect(InterpreterFolder.sessionFolder(dataDirectory: data, session: SessionID("../../etc")).path == "/data/interpreter/______etc")
    }

    @Test func theSnapshotNamesNewAndChangedRegularFilesOnly() throws {
        let root = try TemporaryFolder()
        try Data("1".utf8).write(to: root.url.appendingPathComponent("old.txt"))
        try Data("1".utf8).write(to: root.url.appendingPathComponent("same.txt"))
        let before = FolderSnapshot(root.url)
        try Data("22".utf8).write(to: root.url.appendingPathComponent("old.txt"))
        try FileManager.default.createDirectory(at: root.url.appendingPathComponent("plots"), withIntermediateDirectories: true)
        try Data("png".utf8).write(to: root.url.appendingPathComponent("plots/figure.png"))
        try FileManager.default.createSymbolicLink(atPath: root.url.appendingPathComponent("link").path, withDestinationPath: "/etc/passwd")
        #expect(FolderSnapshot(root.url).changed(since: before) == ["old.txt", "plots/figure.png"])
    }

    @Test func withoutBubblewrapTheInterpreterRefusesAndSaysHowToInstallIt() throws {
        let root = try TemporaryFolder()
        #expect {
            _ = try InterpreterSession(settings: InterpreterSettings(), folder: root.url, environment: ["PATH": root.url.path])
        } throws: { error in
            guard let error = error as? GLMError else { return false }
            return error.problem.contains("apt install bubblewrap") && error.problem.contains("unsandboxed = true")
        }
        // the refusal makes no folder
        let session = root.url.appendingPathComponent("session-1")
        #expect(throws: GLMError.self) {
            _ = try InterpreterSession(settings: InterpreterSettings(), folder: session, environment: ["PATH": root.url.path])
        }
        #expect(!FileManager.default.fileExists(atPath: session.path))
    }
}

/// A folder removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("glmchat-interpreter-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
