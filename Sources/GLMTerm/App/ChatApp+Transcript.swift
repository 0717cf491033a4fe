import Foundation
import GLMEngine

/// The transcript with the focus (Tab, or Esc with the vi keys): a cursor that rests on messages
/// and code blocks, to copy them, move between a turn's alternatives, or find text.
extension ChatApp {
    /// Gives the transcript the focus with its cursor on the last block (the latest answer).
    func focusTranscript() {
        guard !transcriptMessages.isEmpty else { return }
        focus = .transcript
        if transcript.selectedBlock == nil { transcript.select(block: lastMessageBlock) }
    }

    /// The block of the last message (not one of its code blocks).
    private var lastMessageBlock: Int? {
        transcript.blocks.lastIndex { !$0.isCode } ?? (transcript.blocks.isEmpty ? nil : transcript.blocks.count - 1)
    }

    func handleTranscript(_ key: Key) {
        let vi = keyMap.style == .vi
        let halfPage = max(1, (lastLayout?.transcript.rows ?? lastSize.rows) / 2)
        switch key {
        case .up: transcript.moveSelection(by: -1)
        case .down: transcript.moveSelection(by: 1)
        case .text("k") where vi: transcript.moveSelection(by: -1)
        case .text("j") where vi: transcript.moveSelection(by: 1)
        case .home: transcript.select(block: 0)
        case .end: transcript.select(block: transcript.blocks.count - 1)
        case .text("g") where vi: transcript.select(block: 0)
        case .text("G") where vi: transcript.select(block: transcript.blocks.count - 1)
        case .pageUp: transcript.scrollSelection(by: 2 * halfPage)
        case .pageDown: transcript.scrollSelection(by: -2 * halfPage)
        case .control("u") where vi: transcript.scrollSelection(by: halfPage)
        case .control("d") where vi: transcript.scrollSelection(by: -halfPage)
        case .text("/"): transcriptSearch = ""
        case .text("n"): findInTranscript(lastTranscriptQuery, forward: true)
        case .text("N"): findInTranscript(lastTranscriptQuery, forward: false)
        case .enter, .text("y"): copy()
        case .text("c") where !vi: copy()
        case .text("o"): toggleResult()
        case .text("i") where vi, .text("a") where vi: focus = .input
        case .text, .paste, .backspace:
            // typing goes to the input
            focus = .input
            handleInput(key)
        default:
            break
        }
    }

    /// Keys while a transcript search is typed; false for keys it leaves alone.
    func handleTranscriptSearch(_ key: Key) -> Bool {
        guard let query = transcriptSearch else { return false }
        switch key {
        case .text(let text), .paste(let text): transcriptSearch = query + text.map { $0.isNewline ? " " : $0 }
        case .backspace: transcriptSearch = query.isEmpty ? nil : String(query.dropLast())
        case .escape, .control("c"): transcriptSearch = nil
        case .enter:
            transcriptSearch = nil
            lastTranscriptQuery = query.isEmpty ? lastTranscriptQuery : query
            findInTranscript(lastTranscriptQuery, forward: true)
        default: return false
        }
        return true
    }

    /// Moves the cursor to the next (or previous) block containing `query`, case-insensitively,
    /// wrapping around the transcript.
    func findInTranscript(_ query: String?, forward: Bool) {
        guard let query, !query.isEmpty else { return showNotice("Nothing to find: / and a word finds it") }
        let blocks = transcript.blocks
        guard !blocks.isEmpty else { return }
        let start = transcript.selectedBlock ?? (forward ? blocks.count - 1 : 0)
        for step in 1...blocks.count {
            let index = ((start + (forward ? step : -step)) % blocks.count + blocks.count) % blocks.count
            if !blocks[index].isCode, blocks[index].text.range(of: query, options: [.caseInsensitive]) != nil {
                transcript.select(block: index)
                return
            }
        }
        showNotice("“\(query)” is not in this transcript")
    }
}
