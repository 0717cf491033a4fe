import Foundation
import Testing
@testable import GLMEngine

/// What the app and `serve --parallel 1` check when a model loads: whether it and the most its caches
/// can grow to stay within 90% of the memory the process may use.
@Suite("Loading: a model and its caches against the memory")
struct MemoryFitTests {
    @Test("the weights, a full window with its read-ahead, kept caches and models loaded before count")
    func arithmetic() {
        var fit = MemoryFit(weightBytes: 500, cacheBytes: 300, keptBytes: 100, usableBytes: 1000)
        #expect(fit.neededBytes == 900)
        #expect(fit.fits, "exactly 90%")
        #expect(fit.shortfall == nil)
        fit.keptBytes = 101
        #expect(!fit.fits)
        fit.keptBytes = 0
        fit.loadedBeforeBytes = 101
        #expect(!fit.fits)
    }

    @Test("what passes the limit is said in MiB, naming each part that counts")
    func shortfallText() throws {
        let mib = 1_048_576
        var fit = MemoryFit(weightBytes: 3206 * mib, cacheBytes: 1344 * mib, keptBytes: 0, usableBytes: 4096 * mib)
        let bare = try #require(fit.shortfall)
        #expect(bare.hasPrefix("the weights (3206.0 MiB) and a full window's cache (1344.0 MiB) pass 90% of the 4096.0 MiB"))
        #expect(!bare.contains("kept caches") && !bare.contains("loaded before"))
        fit.keptBytes = 896 * mib
        fit.loadedBeforeBytes = 10 * mib
        let full = try #require(fit.shortfall)
        #expect(full.contains("with other conversations' kept caches (896.0 MiB)"))
        #expect(full.contains("beside the models loaded before (10.0 MiB)"))
        #expect(MemoryFit.mebibytes(1536) == "2 KiB")
    }

    @Test("from a loaded model: its matrices, and a window and a half of its cache")
    func fromALoadedModel() throws {
        let loaded = try ModelLoader.load(ModelLoadOptions(path: LoadingFixtures.tiny, threads: 1))
        let perPosition = KVCache.bytes(config: loaded.model.config, positions: 1, precision: loaded.model.cachePrecision)
        let fit = MemoryFit(model: loaded.model, window: 512, keptBytes: 7, usableBytes: 1 << 40)
        #expect(fit.weightBytes == loaded.model.weights.matrixBytes)
        #expect(fit.cacheBytes == BatchDecoder.defaultBudgetBytes(answers: 1, window: 512, bytesPerPosition: perPosition))
        #expect(fit.cacheBytes > 512 * perPosition && fit.cacheBytes <= 1024 * perPosition)
        #expect(fit.keptBytes == 7)
        #expect(fit.fits)
        #expect(!MemoryFit(model: loaded.model, window: 512, keptBytes: 0, usableBytes: fit.weightBytes).fits)
    }

    @Test("one answer counts the prompt's bytes, the answer and 64 positions, at most the window, and nothing kept")
    func oneAnswer() throws {
        let loaded = try ModelLoader.load(ModelLoadOptions(path: LoadingFixtures.tiny, threads: 1))
        let short = MemoryFit.oneAnswer(model: loaded.model, window: 512, promptBytes: 100, maxTokens: 36, usableBytes: 1 << 40)
        #expect(short == MemoryFit(model: loaded.model, window: 200, keptBytes: 0, usableBytes: 1 << 40))
        let long = MemoryFit.oneAnswer(model: loaded.model, window: 512, promptBytes: 400, maxTokens: 2048, usableBytes: 1 << 40)
        #expect(long == MemoryFit(model: loaded.model, window: 512, keptBytes: 0, usableBytes: 1 << 40))
        let whole = MemoryFit.oneAnswer(model: loaded.model, window: 512, promptBytes: 512, maxTokens: -1, usableBytes: 1 << 40)
        #expect(whole.cacheBytes == long.cacheBytes)
        let huge = MemoryFit.oneAnswer(model: loaded.model, window: 512, promptBytes: 100, maxTokens: Int.max, usableBytes: 1 << 40)
        #expect(huge.cacheBytes == long.cacheBytes, "--max-tokens as large as an Int goes counts the window")
        #expect(short.cacheBytes < long.cacheBytes)
    }
}
