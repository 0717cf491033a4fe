import Testing
@testable import GLMTerm

@Suite struct CellGridTests {
    @Test func writeClipsAndKeepsWideGlyphsWhole() {
        var grid = CellGrid(size: Size(rows: 2, columns: 5))
        let end = grid.write("ab你好", style: .plain, row: 0, column: 0)
        #expect(end == 5)
        #expect(grid.snapshot[0] == "ab你")   // 好 would straddle the edge: a blank instead
        #expect(grid[0, 3].isContinuation)
        #expect(grid[0, 4].text == " ")
    }

    @Test func overwritingHalfAWideGlyphBlanksTheOtherHalf() {
        var grid = CellGrid(size: Size(rows: 1, columns: 4))
        grid.write("你好", style: .plain, row: 0, column: 0)
        grid.put(Glyph("x", width: 1), style: .plain, row: 0, column: 1)
        #expect(grid.snapshot[0] == " x好")
        #expect(!grid[0, 1].isContinuation)
    }

    @Test func changesCoverOnlyWhatDiffers() {
        var before = CellGrid(size: Size(rows: 3, columns: 10))
        before.write("hello", style: .plain, row: 1, column: 0)
        var after = before
        after.write("J", style: .plain, row: 1, column: 0)
        let runs = after.changes(from: before)
        #expect(runs == [CellRun(row: 1, column: 0, cells: [Cell("J")])])
        #expect(after.changes(from: after).isEmpty)
        #expect(after.changes(from: nil).count == 3)
    }

    @Test func changedWideGlyphIsSentWhole() {
        var before = CellGrid(size: Size(rows: 1, columns: 6))
        before.write("a你b", style: .plain, row: 0, column: 0)
        var after = before
        after.write("a好b", style: .plain, row: 0, column: 0)
        let runs = after.changes(from: before)
        #expect(runs.count == 1)
        #expect(runs[0].column == 1)
        #expect(runs[0].cells.count == 2)
    }

    @MainActor @Test func rendererSendsOnlyChangedCellsToTheBackend() {
        let backend = MemoryBackend(size: Size(rows: 2, columns: 8))
        let renderer = Renderer(backend: backend)
        var frame = CellGrid(size: backend.size)
        frame.write("hi 中文", style: .plain, row: 0, column: 0)
        renderer.present(frame, cursor: Position(row: 1, column: 0))
        #expect(backend.cellsWritten == 16)
        #expect(backend.snapshot == ["hi 中文", ""])
        frame.write("ho", style: .plain, row: 0, column: 0)
        renderer.present(frame, cursor: Position(row: 1, column: 2))
        #expect(backend.cellsWritten == 17)
        #expect(backend.snapshot == ["ho 中文", ""])
        #expect(backend.cursor == Position(row: 1, column: 2))
    }
}
