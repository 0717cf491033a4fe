import Foundation
import GLMEngine
import Testing
@testable import GLMHub

/// `pull` of checkpoint and GGUF repositories against the hub stand-in: the files glmchat needs and
/// no more, verified, with the kind guessed.
@Suite struct PullCheckpointTests {
    func pull(_ repository: String, file: String? = nil, token: String? = nil, into folder: TemporaryFolder,
              events: EventLog = EventLog()) async throws -> PulledModel {
        let hub = try #require(FakeHub.shared)
        let puller = ModelPuller(settings: try hub.settings(token: token), modelsDirectory: folder.url)
        return try await puller.pull(try HubRepositoryID(repository), file: file) { events.record($0) }
    }

    @Test func chatCheckpointGetsSafetensorsShardsAndNothingElse() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let events = EventLog()
        let model = try await pull("ckpt-owner/chatglm3-6b", into: folder, events: events)
        let repoFolder = folder.url.appendingPathComponent("ckpt-owner--chatglm3-6b")
        let expected = ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                        "model.safetensors.index.json", "tokenizer.model"]
        #expect(TemporaryFolder.files(in: repoFolder) == expected)
        #expect(model.files.sorted() == expected)
        #expect(model.kind == .chat)
        #expect(model.format == .checkpoint)
        #expect(model.path.standardizedFileURL == repoFolder.standardizedFileURL)
        #expect(model.suggestedName == "chatglm3-6b")
        #expect(model.totalBytes == 263 + 250_000 + 250_001 + Int64(try Data(contentsOf: repoFolder.appendingPathComponent("model.safetensors.index.json")).count) + 40_000)
        // The bytes, against the server's generator (an independent reference, not the client's own hash).
        let tokenizer = try Data(contentsOf: repoFolder.appendingPathComponent("tokenizer.model"))
        #expect(Array(tokenizer) == FakeHub.pseudoRandomBytes(seed: "chatglm3-6btokenizer", size: 40_000))
        let verified = events.events.compactMap { event -> String? in
            if case .verified(let file) = event { return file }
            return nil
        }
        #expect(verified.sorted() == expected)
        guard case .listed(_, let commit) = events.events.first else { Issue.record("no listed event first"); return }
        #expect(commit == model.commit)
    }

    @Test func secondPullFindsEverythingVerifiedAndFetchesNothing() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let hub = try #require(FakeHub.shared)
        _ = try await pull("again-owner/chatglm3-6b", into: folder)
        let before = try hub.requests(owner: "again-owner").count
        let events = EventLog()
        _ = try await pull("again-owner/chatglm3-6b", into: folder, events: events)
        let after = try hub.requests(owner: "again-owner")
        #expect(after.count == before + 1, "only the file list is fetched again")
        #expect(after.last?.path == "/api/models/again-owner/chatglm3-6b/revision/main")
        let skipped = events.events.filter { if case .alreadyDownloaded = $0 { return true } else { return false } }
        #expect(skipped.count == 5)
    }

    @Test func baseCheckpointWithOnlyPyTorchShardsIsBase() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try await pull("base-owner/chatglm3-6b-base", into: folder)
        #expect(model.files.sorted() == ["config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin",
                                         "pytorch_model.bin.index.json", "tokenizer.model"])
        // Its config.json says seq_length 32768 (as a third-party table has it); the name decides.
        #expect(model.kind == .base)
    }

    @Test func thirtyTwoKCheckpointWithOneSafetensorsFile() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try await pull("long-owner/chatglm3-6b-32k", into: folder)
        #expect(model.files.sorted() == ["config.json", "model.safetensors", "tokenizer.model"])
        #expect(model.kind == .chat32k)
    }

    @Test func namedGGUFFileIsTheOnlyDownload() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try await pull("gguf-owner/chatglm3-6b-GGUF", file: "chatglm3-6b.Q4_K_M.gguf", into: folder)
        let repoFolder = folder.url.appendingPathComponent("gguf-owner--chatglm3-6b-GGUF")
        #expect(TemporaryFolder.files(in: repoFolder) == ["chatglm3-6b.Q4_K_M.gguf"])
        #expect(model.path.standardizedFileURL == repoFolder.appendingPathComponent("chatglm3-6b.Q4_K_M.gguf").standardizedFileURL)
        #expect(model.format == .gguf)
        #expect(model.kind == .chat)
        #expect(model.suggestedName == "chatglm3-6b.Q4_K_M")
        #expect(model.totalBytes == 200_005)
    }

    @Test func severalGGUFFilesAndNoneNamedListsThemWithSizes() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        do {
            _ = try await pull("choose-owner/chatglm3-6b-GGUF", into: folder)
            Issue.record("pull chose a file by itself")
        } catch let error as HubError {
            guard case .chooseGGUFFile(_, let choices) = error else { Issue.record("wrong error: \(error)"); return }
            #expect(choices.map(\.path) == ["chatglm3-6b.Q4_0.gguf", "chatglm3-6b.Q4_K_M.gguf"])
            #expect(error.description.contains("chatglm3-6b.Q4_0.gguf  200.0 KB"))
            #expect(error.description.contains("chatglm3-6b.Q4_K_M.gguf  200.0 KB"))
            #expect(error.description.contains("glmchat pull choose-owner/chatglm3-6b-GGUF chatglm3-6b.Q4_0.gguf"))
        }
        #expect(TemporaryFolder.files(in: folder.url).isEmpty)
    }

    @Test func theOnlyGGUFFileIsTakenAndSaidSo() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let events = EventLog()
        let model = try await pull("only-owner/one-GGUF", into: folder, events: events)
        #expect(events.events.contains(.choseOnlyGGUF(file: "chatglm3-6b-32k.Q8_0.gguf")))
        #expect(model.kind == .chat32k)
    }

    @Test func aFileThatIsNotThereNamesTheOnesThatAre() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        await #expect(throws: HubError.fileNotFound(repository: "miss-owner/chatglm3-6b-GGUF", file: "chatglm3-6b.Q9.gguf",
                                                    available: ["chatglm3-6b.Q4_0.gguf", "chatglm3-6b.Q4_K_M.gguf"])) {
            _ = try await pull("miss-owner/chatglm3-6b-GGUF", file: "chatglm3-6b.Q9.gguf", into: folder)
        }
        await #expect(throws: HubError.notAGGUFFile("config.json")) {
            _ = try await pull("miss-owner/chatglm3-6b", file: "config.json", into: folder)
        }
    }

    @Test func aRepositoryWithNothingToRunIsRefused() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        await #expect(throws: HubError.notAModelRepository(repository: "docs-owner/docs", files: ["README.md"])) {
            _ = try await pull("docs-owner/docs", into: folder)
        }
    }
}
