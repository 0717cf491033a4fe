import Foundation
import Testing
@testable import GLMTerm

/// The first start: `glmchat` with no model configured explains itself in a welcome screen.
@Suite(.serialized) struct WelcomeScreenTests {
    /// ChatGLM3-6B has 6,243,584,000 parameters (transformers' count for THUDM/chatglm3-6b): the
    /// 16-bit checkpoint is twice that; Q4_0 stores 18 bytes per 32 matrix weights, norms in f32.
    @Test func sizesFollowFromTheModelShape() {
        let chat = CatalogModel.all[0]
        #expect(chat.checkpointBytes == 2 * 6_243_584_000)
        let vectorWeights = 28 * (2 * 4096 + 4608) + 4096
        #expect(chat.q4_0Bytes == (6_243_584_000 - vectorWeights) / 32 * 18 + 4 * vectorWeights)
        #expect(CatalogModel.formatted(bytes: chat.checkpointBytes) == "12.5 GB")
        #expect(CatalogModel.formatted(bytes: chat.q4_0Bytes) == "3.5 GB")
        #expect(CatalogModel.all.map(\.kind) == [.chat, .base, .chat32k])
        #expect(CatalogModel.all.allSatisfy { $0.checkpointBytes == chat.checkpointBytes })
    }

    @Test(.enabled(if: TmuxEndToEndTests.required, "needs tmux and a glmchat whose default command is the chat"))
    func firstStartShowsTheModelsTheirCommandsAndTheDemo() async throws {
        let session = try TmuxEndToEndTests.Session(columns: 100, rows: 40, arguments: "")
        try await session.waitFor("the welcome screen") { $0.contains { $0.contains(WelcomeView.title) } }
        let text = try session.screen().joined(separator: "\n")
        for expected in ["glmchat pull THUDM/chatglm3-6b ", "glmchat pull THUDM/chatglm3-6b-base",
                         "glmchat pull THUDM/chatglm3-6b-32k", "ChatGLM3-6B (chat)", "ChatGLM3-6B-Base (base)",
                         "ChatGLM3-6B-32K (chat-32k)", "download 12.5 GB (16-bit checkpoint); 3.5 GB as Q4_0",
                         "glmchat --model PATH", "\(session.config.path)/glmchat/config.toml", "glmchat --demo",
                         "q quit"] {
            #expect(text.contains(expected), "\(expected.debugDescription) is not on the screen:\n\(text)")
        }
        try session.press("q")
        for _ in 0..<600 where session.isRunning() { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!session.isRunning(), "glmchat is still running after q")
    }
}
