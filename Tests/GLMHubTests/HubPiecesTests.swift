import Foundation
import GLMEngine
import Testing
@testable import GLMHub

/// The pieces of `pull` that need no server: names, settings, the file choice, the kind, headers.
@Suite struct HubPiecesTests {
    @Test func repositoryNamesFollowTheHubsRules() throws {
        let id = try HubRepositoryID("THUDM/chatglm3-6b")
        #expect(id.description == "THUDM/chatglm3-6b")
        #expect(id.folderName == "THUDM--chatglm3-6b")
        #expect(HubRepositoryID(folderName: "THUDM--chatglm3-6b") == id)
        #expect(try HubRepositoryID("https://huggingface.co/THUDM/chatglm3-6b/tree/main") == id)
        #expect(try HubRepositoryID(" THUDM/chatglm3-6b ") == id)
        for bad in ["chatglm3-6b", "a/b/c", "/b", "a/", "a/../b", "../etc", "a/b c", "a/-b", "a/b.", "a/b--c", "a/模型", "a/b?x"] {
            #expect(throws: HubError.self, "\(bad)") { try HubRepositoryID(bad) }
        }
        #expect(HubRepositoryID(folderName: "no-separator") == nil)
    }

    @Test func endpointAndTokenComeFromTheEnvironment() throws {
        let plain = try HubSettings(environment: [:])
        #expect(plain.endpoint == "https://huggingface.co")
        #expect(plain.token == nil)
        let mirror = try HubSettings(environment: ["HF_ENDPOINT": "https://hf-mirror.com/", "HF_TOKEN": " hf_abc\n"])
        #expect(mirror.endpoint == "https://hf-mirror.com")
        #expect(mirror.token?.authorizationValue == "Bearer hf_abc")
        #expect(String(describing: mirror.token).contains("hf_abc") == false)
        #expect(String(reflecting: mirror.token).contains("hf_abc") == false)
        var dumped = ""
        dump(mirror, to: &dumped)
        #expect(!dumped.contains("hf_abc"), "\(dumped)")
        #expect("\(try #require(mirror.token))" == "(HF_TOKEN, hidden)")
        #expect(try HubSettings(environment: ["HF_ENDPOINT": "", "HF_TOKEN": ""]).token == nil)
        for bad in ["hf-mirror.com", "ftp://hf-mirror.com", "https://", "https://x.org/?a=b"] {
            #expect(throws: HubError.invalidEndpoint(bad)) { try HubSettings(environment: ["HF_ENDPOINT": bad]) }
        }
        let id = try HubRepositoryID("THUDM/chatglm3-6b")
        #expect(mirror.revisionURL(id) == "https://hf-mirror.com/api/models/THUDM/chatglm3-6b/revision/main?blobs=true")
        #expect(mirror.resolveURL(id, commit: "abc", path: "sub dir/a+b.gguf")
                    == "https://hf-mirror.com/THUDM/chatglm3-6b/resolve/abc/sub%20dir/a%2Bb.gguf")
        #expect(mirror.mayReceiveToken(URL(string: "https://hf-mirror.com/THUDM/x")!))
        #expect(!mirror.mayReceiveToken(URL(string: "https://cdn-lfs.hf.co/x")!))
        #expect(!mirror.mayReceiveToken(URL(string: "http://hf-mirror.com/x")!), "not over plain http when the endpoint is https")
    }

    static func listing(_ paths: [String]) throws -> RepositoryListing {
        RepositoryListing(repository: try HubRepositoryID("o/r"), commit: String(repeating: "a", count: 40),
                          files: paths.map { RemoteFile(path: $0, size: 1, sha256: String(repeating: "b", count: 64)) })
    }

    @Test func checkpointFilesArePickedByPreference() throws {
        let both = try Self.listing(["config.json", "tokenizer.model", "model.safetensors.index.json", "model-00001-of-00001.safetensors",
                                     "pytorch_model.bin.index.json", "pytorch_model-00001-of-00001.bin", "README.md", "x.gguf"])
        guard case .checkpoint(let config, let tokenizer, .sharded(let index)) = try PullPlan.choose(from: both, file: nil) else {
            Issue.record("not a sharded checkpoint")
            return
        }
        #expect(config.path == "config.json" && tokenizer?.path == "tokenizer.model" && index.path == "model.safetensors.index.json")
        let binOnly = try Self.listing(["config.json", "pytorch_model.bin"])
        #expect(try PullPlan.choose(from: binOnly, file: nil) == .checkpoint(config: binOnly.files[0], tokenizer: nil, weights: .single(binOnly.files[1])))
        let configOnly = try Self.listing(["config.json", "a.gguf"])
        #expect(try PullPlan.choose(from: configOnly, file: nil) == .gguf(configOnly.files[1], onlyChoice: true))
    }

    @Test func shardIndexMustNameFilesOfTheRepository() throws {
        let listing = try Self.listing(["model.safetensors.index.json", "a.safetensors", "b.safetensors"])
        let index = listing.files[0]
        let good = Data(#"{"weight_map": {"x": "b.safetensors", "y": "a.safetensors", "z": "a.safetensors"}}"#.utf8)
        #expect(try PullPlan.shards(indexData: good, index: index, listing: listing).map(\.path) == ["a.safetensors", "b.safetensors"])
        for bad in [#"{"weight_map": {"x": "c.safetensors"}}"#, #"{"weight_map": {"x": "../a.safetensors"}}"#,
                    #"{"weight_map": {}}"#, #"{"weight_map": {"x": 3}}"#, #"[]"#, "not json"] {
            #expect(throws: HubError.self, "\(bad)") { try PullPlan.shards(indexData: Data(bad.utf8), index: index, listing: listing) }
        }
    }

    @Test func listingRefusesPathsThatLeaveTheFolder() throws {
        let id = try HubRepositoryID("o/r")
        let sha = String(repeating: "c", count: 40)
        for path in ["../x", "/etc/passwd", "a//b", "a/./b", "a\\b", ""] {
            let json = #"{"sha": "\#(sha)", "siblings": [{"rfilename": \#(String(reflecting: path))}]}"#
            #expect(throws: HubError.self, "\(path)") { try RepositoryListing.decode(Data(json.utf8), repository: id, url: "u") }
        }
        let lfsWithoutHash = #"{"sha": "\#(sha)", "siblings": [{"rfilename": "a.gguf", "size": 3, "lfs": {"size": 3}}]}"#
        #expect(throws: HubError.self) { try RepositoryListing.decode(Data(lfsWithoutHash.utf8), repository: id, url: "u") }
        let noCommit = #"{"siblings": []}"#
        #expect(throws: HubError.self) { try RepositoryListing.decode(Data(noCommit.utf8), repository: id, url: "u") }
        let good = #"{"sha": "\#(sha)", "siblings": [{"rfilename": "d/a.gguf", "size": 3, "blobId": "\#(sha)", "lfs": {"sha256": "\#(String(repeating: "E", count: 64))", "size": 5}}, {"rfilename": "c.json", "size": 2, "blobId": "\#(sha)"}]}"#
        let listing = try RepositoryListing.decode(Data(good.utf8), repository: id, url: "u")
        #expect(listing.files == [RemoteFile(path: "d/a.gguf", size: 5, sha256: String(repeating: "e", count: 64)),
                                  RemoteFile(path: "c.json", size: 2, gitBlobID: sha)])
    }

    @Test func kindIsGuessedFromConfigAndName() {
        func config(_ text: String) -> Data { Data(text.utf8) }
        #expect(KindGuess.checkpoint(configJSON: config(#"{"seq_length": 8192}"#), name: "chatglm3-6b") == .chat)
        #expect(KindGuess.checkpoint(configJSON: config(#"{"seq_length": 32768, "rope_ratio": 50}"#), name: "chatglm3-6b-32k") == .chat32k)
        #expect(KindGuess.checkpoint(configJSON: config(#"{"seq_length": 8192, "rope_ratio": 50}"#), name: "my-long-model") == .chat32k)
        #expect(KindGuess.checkpoint(configJSON: config(#"{"seq_length": 32768}"#), name: "chatglm3-6b-base") == .base)
        #expect(KindGuess.checkpoint(configJSON: config(#"{"seq_length": 32768}"#), name: "chatglm3-6b") == .chat32k)
        #expect(KindGuess.checkpoint(configJSON: config("not json"), name: "x") == .chat)
        #expect(KindGuess.gguf(name: "chatglm3-6b-GGUF/chatglm3-6b.Q4_K_M.gguf") == .chat)
        #expect(KindGuess.gguf(name: "chatglm3-6b-32k-GGUF/model.gguf") == .chat32k)
        #expect(KindGuess.gguf(name: "x/chatglm3-6b-base.Q4_0.gguf") == .base)
    }

    @Test func contentRangeIsParsedStrictly() {
        let full = FileDownloader.parseContentRange("bytes 100-199/200")
        #expect(full?.0 == 100 && full?.1 == 200)
        let open = FileDownloader.parseContentRange("bytes 0-0/*")
        #expect(open?.0 == 0 && open.map { $0.1 == nil } == true)
        for bad in ["", "bytes */200", "bytes 5-4/200", "bytes 0-199/199", "items 0-1/2", "bytes a-b/c", "bytes -1-5/9"] {
            #expect(FileDownloader.parseContentRange(bad) == nil, "\(bad)")
        }
    }

    @Test func expectedHashComesFromTheListingCheckedAgainstTheHeaders() throws {
        let sha = String(repeating: "1", count: 64)
        let commit = String(repeating: "a", count: 40)
        let url = URL(string: "https://cdn.example/x?sig=secret")!
        let lfs = RemoteFile(path: "m.gguf", size: 10, sha256: sha)
        #expect(try FileDownloader.check(lfs, against: FileMetadata(etag: sha, size: 10, commit: commit, downloadURL: url), commit: commit) == (10, .sha256(sha)))
        #expect(throws: HubError.self) {
            try FileDownloader.check(lfs, against: FileMetadata(etag: String(repeating: "2", count: 64), size: 10, commit: commit, downloadURL: url), commit: commit)
        }
        #expect(throws: HubError.self) { try FileDownloader.check(lfs, against: FileMetadata(etag: sha, size: 11, commit: commit, downloadURL: url), commit: commit) }
        #expect(throws: HubError.self) {
            try FileDownloader.check(lfs, against: FileMetadata(etag: sha, size: 10, commit: String(repeating: "b", count: 40), downloadURL: url), commit: commit)
        }
        let blob = String(repeating: "3", count: 40)
        let git = RemoteFile(path: "config.json", size: nil)
        #expect(try FileDownloader.check(git, against: FileMetadata(etag: blob, size: 7, commit: nil, downloadURL: url), commit: commit) == (7, .gitBlob(blob, size: 7)))
        #expect(throws: HubError.self) { try FileDownloader.check(git, against: FileMetadata(etag: "weird", size: 7, commit: nil, downloadURL: url), commit: commit) }
        #expect(HubClient.shown(url) == "https://cdn.example/x", "signatures stay out of messages")
        #expect(try HubSettings(endpoint: "https://me:secret@mirror.example/hf").displayEndpoint == "https://mirror.example/hf")
        #expect(HubClient.unquotedETag("W/\"abc\"") == "abc")
        #expect(HubClient.printable("a\u{1B}[2Jb\nc") == "a[2Jbc")
    }

    @Test func gitBlobHashMatchesGit() {
        // `printf 'hello\n' | git hash-object --stdin` prints ce013625030ba8dba906f756967f9e9ca394464a.
        var hash = ContentHash(.gitBlob("ce013625030ba8dba906f756967f9e9ca394464a", size: 6))
        Array("hello\n".utf8).withUnsafeBytes { hash.update($0) }
        #expect(hash.finalHex() == "ce013625030ba8dba906f756967f9e9ca394464a")
        // `printf 'abc' | sha256sum`.
        var sha = ContentHash(.sha256("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
        Array("abc".utf8).withUnsafeBytes { sha.update($0) }
        #expect(sha.finalHex() == sha.expectedHex)
    }
}
