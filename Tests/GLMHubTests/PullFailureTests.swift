import Foundation
import Testing
@testable import GLMHub

/// `pull` when things go wrong: access, missing repositories, rate limits, server errors, a cut
/// connection (then a resume), a server that ignores Range, a wrong hash, a full disk.
@Suite struct PullFailureTests {
    func pull(_ repository: String, file: String? = nil, token: String? = nil, into folder: TemporaryFolder,
              events: EventLog = EventLog()) async throws -> PulledModel {
        let hub = try #require(FakeHub.shared)
        let puller = ModelPuller(settings: try hub.settings(token: token), modelsDirectory: folder.url)
        return try await puller.pull(try HubRepositoryID(repository), file: file) { events.record($0) }
    }

    func error(of body: () async throws -> Void) async -> HubError? {
        do {
            try await body()
            return nil
        } catch let error as HubError {
            return error
        } catch {
            Issue.record("not a HubError: \(error)")
            return nil
        }
    }

    @Test func gatedRepositoryNeedsTheTokenWhichGoesToTheHubButNotTheCDN() async throws {
        let hub = try #require(FakeHub.shared)
        let folder = try TemporaryFolder()
        defer { folder.remove() }

        let anonymous = await error { _ = try await pull("gate-owner/gated", into: folder) }
        guard case .accessDenied(_, 401, false, _)? = anonymous else { Issue.record("got \(String(describing: anonymous))"); return }
        #expect(anonymous?.description.contains("HF_TOKEN") == true)
        #expect(anonymous?.description.contains("licence at https://huggingface.co/gate-owner/gated") == true)

        let wrongToken = await error { _ = try await pull("gate-owner/gated", token: "hf_not_the_one", into: folder) }
        guard case .accessDenied(_, 403, true, _)? = wrongToken else { Issue.record("got \(String(describing: wrongToken))"); return }
        #expect(wrongToken?.description.contains("hf_not_the_one") == false)

        let model = try await pull("gate-owner/gated", token: hub.token, into: folder)
        #expect(model.files.count == 5)
        let requests = try hub.requests(owner: "gate-owner").filter { $0.auth != "none" || $0.path.hasPrefix("/cdn/") }
        let toHub = requests.filter { !$0.path.hasPrefix("/cdn/") }
        let toCDN = requests.filter { $0.path.hasPrefix("/cdn/") }
        #expect(!toHub.isEmpty && toHub.allSatisfy { $0.host == "127.0.0.1" })
        #expect(toHub.filter { $0.auth == "valid" }.count >= 6, "the file list and every HEAD carry the token")
        #expect(toCDN.count == 3, "two shards and tokenizer.model come from the CDN")
        #expect(toCDN.allSatisfy { $0.host == "localhost" && $0.auth == "none" })
    }

    @Test func missingRepositoryWithAndWithoutToken() async throws {
        let hub = try #require(FakeHub.shared)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The hub answers 401 RepoNotFound to a visitor without a token, 404 to one with a token.
        #expect(await error { _ = try await pull("nobody/no-such-model", into: folder) }
                    == .repositoryNotFound(repository: "nobody/no-such-model", tokenSent: false))
        #expect(await error { _ = try await pull("nobody/no-such-model", token: hub.token, into: folder) }
                    == .repositoryNotFound(repository: "nobody/no-such-model", tokenSent: true))
        #expect(HubError.repositoryNotFound(repository: "a/b", tokenSent: false).description.contains("set HF_TOKEN"))
    }

    @Test func rateLimitSaysHowLongToWait() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let hub = try #require(FakeHub.shared)
        let failure = await error { _ = try await pull("busy-owner/limited", into: folder) }
        #expect(failure == .rateLimited(url: "\(hub.endpoint)/api/models/busy-owner/limited/revision/main", retryAfter: "17"))
        #expect(failure?.description.contains("wait 17 seconds (Retry-After)") == true)
    }

    @Test func serverErrorSuggestsLaterOrAMirror() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let failure = await error { _ = try await pull("down-owner/broken", into: folder) }
        guard case .serverError(_, 500)? = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(failure?.description.contains("HF_ENDPOINT") == true)
    }

    @Test func unreachableEndpointSuggestsAMirror() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Port 1 on loopback: nothing listens there, the connection is refused at once.
        let puller = ModelPuller(settings: try HubSettings(endpoint: "http://127.0.0.1:1"), modelsDirectory: folder.url)
        let failure = await error { _ = try await puller.pull(try HubRepositoryID("x/chatglm3-6b")) { _ in } }
        guard case .unreachable? = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(failure?.description.contains("https://hf-mirror.com") == true)
    }

    @Test func cutConnectionKeepsThePartFileAndTheNextRunResumesAndVerifies() async throws {
        let hub = try #require(FakeHub.shared)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let part = folder.url.appendingPathComponent("cut-owner--cut/cut.Q4_0.gguf.part")
        let total: Int64 = 3_000_004

        let failure = await error { _ = try await pull("cut-owner/cut", into: folder) }
        guard case .connectionLost(let file, let kept, total, _)? = failure else {
            Issue.record("got \(String(describing: failure))")
            return
        }
        #expect(file == "cut.Q4_0.gguf")
        // The server sent half; what the client had not yet taken off the socket when it saw the
        // connection end may be lost, so the .part file holds at most half.
        #expect(kept > 0 && kept <= total / 2)
        #expect(FileDownloader.fileSize(part.path) == kept)
        #expect(failure?.description.contains("run the same command again to resume") == true)

        let events = EventLog()
        let model = try await pull("cut-owner/cut", into: folder, events: events)
        #expect(events.events.contains(.downloading(file: "cut.Q4_0.gguf", size: total, resumingAt: kept)))
        #expect(events.events.contains(.verified(file: "cut.Q4_0.gguf")))
        #expect(FileDownloader.fileSize(part.path) == nil)
        #expect(model.totalBytes == total)
        let data = try Data(contentsOf: model.path)
        #expect(Array(data.prefix(4)) == Array("GGUF".utf8))
        #expect(Array(data.dropFirst(4)) == FakeHub.pseudoRandomBytes(seed: "cut.Q4_0.ggufcut", size: 3_000_000))
        let ranges = try hub.requests(owner: "cut-owner").filter { $0.path.hasPrefix("/cdn/") }.map(\.range)
        #expect(ranges == [nil, "bytes=\(kept)-"])
    }

    @Test func serverIgnoringRangeRestartsTheFileCleanly() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let repoFolder = folder.url.appendingPathComponent("norange-owner--norange")
        try FileManager.default.createDirectory(at: repoFolder, withIntermediateDirectories: true)
        // 1000 bytes that are not the file's start: kept only if the server honoured Range.
        try Data(repeating: 0xAB, count: 1000).write(to: repoFolder.appendingPathComponent("norange.Q4_0.gguf.part"))
        let events = EventLog()
        let model = try await pull("norange-owner/norange", into: folder, events: events)
        #expect(events.events.contains(.restarting(file: "norange.Q4_0.gguf",
                                                   reason: "the server ignored the resume request and sends the whole file")))
        #expect(events.events.contains(.downloading(file: "norange.Q4_0.gguf", size: 500_004, resumingAt: 0)))
        let data = try Data(contentsOf: model.path)
        #expect(Array(data.dropFirst(4)) == FakeHub.pseudoRandomBytes(seed: "norange.Q4_0.ggufnorange", size: 500_000))
    }

    @Test func aCDNThatRedirectsAgainIsFollowedWithoutTheToken() async throws {
        let hub = try #require(FakeHub.shared)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let model = try await pull("hop-owner/hop", token: hub.token, into: folder)
        let data = try Data(contentsOf: model.path)
        #expect(Array(data.dropFirst(4)) == FakeHub.pseudoRandomBytes(seed: "hop.Q4_0.ggufhop", size: 200_000))
        let toCDN = try hub.requests(owner: "hop-owner").filter { $0.path.hasPrefix("/cdn/") }
        #expect(toCDN.count == 2)
        #expect(toCDN.allSatisfy { $0.host == "localhost" && $0.auth == "none" })
    }

    @Test func wrongHashIsRefusedAndThePartFileDeleted() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let failure = await error { _ = try await pull("hash-owner/badhash", into: folder) }
        guard case .hashMismatch(let file, "sha256", let expected, let actual)? = failure else {
            Issue.record("got \(String(describing: failure))")
            return
        }
        #expect(file == "bad.Q4_0.gguf")
        #expect(expected != actual)
        #expect(failure?.description.contains("deleted") == true)
        #expect(TemporaryFolder.files(in: folder.url).isEmpty, "neither the .part nor the file is left")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/full"), "needs /dev/full (Linux) to fill a disk"))
    func fullDiskKeepsThePartFileAndSaysHowToResume() async throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let repoFolder = folder.url.appendingPathComponent("full-owner--chatglm3-6b-GGUF")
        try FileManager.default.createDirectory(at: repoFolder, withIntermediateDirectories: true)
        // Writing to /dev/full fails with ENOSPC, as a full disk does.
        let part = repoFolder.appendingPathComponent("chatglm3-6b.Q4_0.gguf.part")
        try FileManager.default.createSymbolicLink(atPath: part.path, withDestinationPath: "/dev/full")
        let failure = await error { _ = try await pull("full-owner/chatglm3-6b-GGUF", file: "chatglm3-6b.Q4_0.gguf", into: folder) }
        #expect(failure == .diskFull(path: part.path, kept: 0))
        #expect(failure?.description.contains("free some space and run the same command again to resume") == true)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: part.path)) == "/dev/full", "the .part file is kept")
    }
}
