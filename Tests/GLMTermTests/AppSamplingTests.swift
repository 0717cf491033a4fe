import GLMEngine
import GLMStore
import Testing
@testable import GLMTerm

/// Each answer samples with a fresh seed, stored with it; "/set" changes this session's sampling,
/// which F1 shows and the store keeps (issue 20, item 4).
@MainActor @Suite struct AppSamplingTests {
    private func ask(_ harness: AppHarness, _ text: String) async {
        await harness.type(text + "\r")
        await harness.pump { harness.app.activity == .idle }
    }

    @Test func everyAnswerHasItsOwnStoredSeed() async throws {
        let harness = AppHarness(replies: ["one", "two", "three"])
        await harness.waitForModel()
        await ask(harness, "hi")
        await ask(harness, "/retry")
        await ask(harness, "/retry")
        let id = try #require(harness.app.currentSession?.id)
        let seeds = try harness.store.messages(in: id).filter { $0.role == .assistant }.map(\.seed)
        #expect(seeds.count == 3 && seeds.allSatisfy { $0 != nil })
        #expect(Set(seeds).count == 3)
    }

    @Test func setChangesThisSessionsSamplingAndF1ShowsIt() async throws {
        let harness = AppHarness(rows: 40, columns: 120, replies: ["one", "two"])
        await harness.waitForModel()
        await ask(harness, "hi")
        await ask(harness, "/set temperature 0.6")
        await ask(harness, "/set seed 42")
        await ask(harness, "/retry")
        let id = try #require(harness.app.currentSession?.id)
        let stored = try #require(try harness.store.session(id))
        #expect(stored.sampling.temperature == 0.6 && stored.sampling.seed == 42)
        #expect(try harness.store.messages(in: id).last?.seed == 42)

        await ask(harness, "/set temperature hot")
        #expect(harness.screenContains("temperature must be a number, not 'hot'"))
        #expect(try harness.store.session(id)?.sampling.temperature == 0.6)

        await harness.press([.key(.function(1))])
        #expect(harness.screenContains("temperature 0.6"))
        #expect(harness.screenContains("seed 42"))
    }
}

/// Choosing the model that is loaded does not load it again (issue 20, item 11).
@MainActor @Suite struct AppModelChoiceTests {
    @Test func choosingTheLoadedModelKeepsIt() async {
        let harness = AppHarness()
        await harness.waitForModel()
        let loaded = harness.app.model?.name
        await harness.type("/model glm3-chat\r")
        #expect(harness.screenContains("glm3-chat is already loaded"))
        #expect(harness.app.activity == .idle)
        #expect(harness.app.model?.name == loaded)
        await harness.type("/model glm3-base\r")
        await harness.pump { harness.app.model?.name == "glm3-base" }
    }
}
