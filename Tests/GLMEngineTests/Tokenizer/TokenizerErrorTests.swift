import Foundation
import Testing
@testable import GLMEngine

/// Bad tokenizer files give one clear error naming the file.
@Suite struct TokenizerErrorTests {
    func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("glmchat-tokenizer-\(UUID().uuidString).model").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func missingFile() {
        let path = "/nonexistent/glmchat/tokenizer.model"
        #expect(throws: GLMError(.fileNotFound, path: path, "no such file")) {
            try Tokenizer(modelPath: path)
        }
    }

    @Test func directoryInsteadOfFile() throws {
        let path = FileManager.default.temporaryDirectory.path
        let error = try #require(throws: GLMError.self) { try Tokenizer(modelPath: path) }
        #expect(error.kind == .unreadable)
        #expect(error.path == path)
    }

    @Test func emptyFile() throws {
        let path = try temporaryFile([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: GLMError.self) { try Tokenizer(modelPath: path) }
        #expect(error.kind == .tokenizer)
        #expect(error.description == "\(path): the tokenizer model is empty")
    }

    @Test func corruptBytes() throws {
        let real = try TokenizerFixtures.real().serializedModel
        let corrupt: [[UInt8]] = [
            Array("this is not a sentencepiece model".utf8),
            Array(real.prefix(real.count / 2)),
            [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        ]
        for bytes in corrupt {
            let error = try #require(throws: GLMError.self) {
                try Tokenizer(modelBytes: bytes, source: "model.gguf: tokenizer.ggml.sentencepiece")
            }
            #expect(error.kind == .tokenizer)
            #expect(error.path == "model.gguf: tokenizer.ggml.sentencepiece")
            #expect(error.problem.hasPrefix("not a valid SentencePiece model"))
        }
    }

    @Test func corruptFileNamesThePath() throws {
        let path = try temporaryFile(Array(repeating: 0x2A, count: 64))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: GLMError.self) { try Tokenizer(modelPath: path) }
        #expect(error.kind == .tokenizer)
        #expect(error.path == path)
    }

    @Test func serializedModelRoundTrips() throws {
        let tokenizer = try TokenizerFixtures.tiny()
        let data = try Data(contentsOf: URL(fileURLWithPath: TokenizerFixtures.path("tiny-chatglm3/tokenizer.model")))
        #expect(tokenizer.serializedModel == Array(data))
        let copy = try Tokenizer(modelBytes: tokenizer.serializedModel, source: "copy")
        #expect(copy.encode("hello world") == tokenizer.encode("hello world"))
        #expect(copy.source == "copy")
    }
}
