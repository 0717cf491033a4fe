import Foundation
import Testing

/// The fuzz targets' inputs replayed through an ordinary build of glmfuzz (`glmfuzz run`): every
/// seed reaches its reader's end (so fuzzing starts deep), and every input a fuzzing run once
/// crashed on (Fuzz/regressions) is now refused with the reader's error.
@Suite(.enabled(if: CLI.isBuilt, "needs glmchat and glmfuzz built next to the tests"))
struct FuzzCorpusReplayTests {
    static let fuzz = CLI.fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")
    static let targets = ["gguf", "safetensors", "torch-zip", "pickle", "config-json", "tokenizer-model",
                          "config-toml", "theme", "session-import", "interpreter-frames", "tool-call",
                          "terminal-input", "memory-limit"]

    /// How glmfuzz answered each file: "accepted" or "refused: …".
    static func replay(_ target: String, _ directory: URL) throws -> [String: String] {
        let result = try CLI.run(["run", target, directory.path], program: "glmfuzz")
        #expect(result.status == 0, "glmfuzz run \(target): \(result.stderr)")
        var answers: [String: String] = [:]
        for line in result.text.split(separator: "\n") {
            guard let colon = line.range(of: ": ") else { continue }
            answers[URL(fileURLWithPath: String(line[..<colon.lowerBound])).lastPathComponent] = String(line[colon.upperBound...])
        }
        return answers
    }

    @Test func listNamesEveryTarget() throws {
        let result = try CLI.run(["list"], program: "glmfuzz")
        #expect(result.text.split(separator: "\n").map { String($0.prefix { $0 != "\t" }) } == Self.targets)
    }

    @Test func everySeedIsAccepted() throws {
        for target in Self.targets {
            let directory = Self.fuzz.appendingPathComponent("corpus/\(target)")
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(!files.isEmpty, "no seeds for \(target)")
            let answers = try Self.replay(target, directory)
            #expect(answers.count == files.count, "\(target): \(answers)")
            for (file, answer) in answers {
                // A seed named refused-… is an input glmchat refuses by design (and reads to its end).
                let expected = file.hasPrefix("refused-") ? answer.hasPrefix("refused: ") : answer == "accepted"
                #expect(expected, "\(target)/\(file): \(answer)")
            }
        }
    }

    @Test func everyInputThatOnceCrashedIsRefused() throws {
        let regressions = Self.fuzz.appendingPathComponent("regressions")
        for target in try FileManager.default.contentsOfDirectory(atPath: regressions.path) {
            let answers = try Self.replay(target, regressions.appendingPathComponent(target))
            #expect(!answers.isEmpty)
            for (file, answer) in answers { #expect(answer.hasPrefix("refused: "), "\(target)/\(file): \(answer)") }
        }
    }
}
