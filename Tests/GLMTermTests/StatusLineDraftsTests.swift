import Foundation
import GLMEngine
import GLMStore
import Testing
@testable import GLMTerm

/// The status line says how many drafted tokens the model accepted, of those drafted, when an answer speculated.
@Suite struct StatusLineDraftsTests {
    func drawn(drafts: (accepted: Int, drafted: Int)?) -> String {
        let model = ModelInfo(name: "tiny", kind: .chat, quantization: "q4_0", contextWindow: 8192)
        let line = StatusLineView(model: model, loadingName: nil, contextUsed: 120, tokensPerSecond: 12.5, drafts: drafts,
                                  activity: .generating, alternatives: nil, theme: .plain)
        var grid = CellGrid(size: Size(rows: 1, columns: 100))
        line.draw(into: &grid, rect: Rect(row: 0, column: 0, rows: 1, columns: 100))
        return grid.text(ofRow: 0)
    }

    @Test func draftsShowAfterTheSpeed() {
        #expect(drawn(drafts: (accepted: 37, drafted: 52)).contains("12.5 tok/s  drafts 37/52  generating"))
        #expect(!drawn(drafts: nil).contains("drafts"))
    }
}
