import Foundation
import GLMStore
import Testing
@testable import GLMTerm

/// Titles are stored whole; the sidebar cuts them to its width with "…".
@Suite struct SidebarTitleTests {
    func drawn(_ titles: [String], columns: Int = 20) -> [String] {
        let sessions = titles.map { title in
            Session(title: title, modelKind: "chat", modelName: "tiny", updatedAt: Date(timeIntervalSince1970: 0))
        }
        let sidebar = SidebarView(sessions: sessions, hits: nil, current: sessions.first?.id, selected: 0, focused: false,
                                  filter: nil, archived: false, theme: .plain)
        var grid = CellGrid(size: Size(rows: titles.count + 1, columns: columns))
        sidebar.draw(into: &grid, rect: Rect(row: 0, column: 0, rows: titles.count + 1, columns: columns))
        return Array(grid.snapshot.dropFirst())
    }

    @Test func longTitlesEndWithAnEllipsisInsideTheBorder() {
        // 19 columns inside the border: the marker (2) and 17 cells of title, the last one "…".
        let rows = drawn([String(repeating: "中文", count: 40),
                          String(repeating: "x", count: 100),
                          String(repeating: "👨‍👩‍👧", count: 20),
                          "short"])
        #expect(rows == ["▸ 中文中文中文中文…│",
                         "  xxxxxxxxxxxxxxxx…│",
                         "  👨👨👨👨👨👨👨👨…│",   // a ZWJ family draws as its first person
                         "  short            │"])
    }

    @Test func aTitleThatFitsExactlyIsNotCut() {
        #expect(drawn([String(repeating: "y", count: 17)]) == ["▸ yyyyyyyyyyyyyyyyy│"])
    }
}
