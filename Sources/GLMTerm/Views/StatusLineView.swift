import GLMEngine
import GLMStore
import Foundation

/// What the app is doing, as the status line says it.
public enum Activity: Equatable, Sendable {
    case idle
    case loading(Double)
    case readingPrompt(Double)
    /// A long prompt: tokens read of the total, and the seconds left at the rate measured so far.
    case readingLongPrompt(done: Int, total: Int, secondsLeft: Double?)
    case generating
    case stopping
    case failed
    /// A proposed call waits for the user's key.
    case waitingForApproval
    /// A tool (or the interpreter) runs; `frame` turns the spinner.
    case runningTool(String, frame: Int)

    var label: String {
        switch self {
        case .idle: return "idle"
        case .loading(let fraction): return "loading \(Int((fraction * 100).rounded()))%"
        case .readingPrompt(let fraction): return "reading prompt \(Int((fraction * 100).rounded()))%"
        case .readingLongPrompt(let done, let total, let secondsLeft):
            let estimate = secondsLeft.map(PromptReadingEstimate.describe(secondsLeft:)) ?? "timing it"
            return "reading prompt \(done)/\(total) tokens · \(estimate)"
        case .generating: return "generating"
        case .stopping: return "stopping"
        case .failed: return "no model"
        case .waitingForApproval: return "waiting for you"
        case .runningTool(let name, let frame):
            let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
            return "running \(name) \(spinner[(frame / 4) % spinner.count])"
        }
    }
}

/// The bottom line: model name, kind and quant, context used / window, tokens/s, and the state.
struct StatusLineView {
    var model: ModelInfo?
    var loadingName: String?
    var contextUsed: Int
    var tokensPerSecond: Double?
    /// Speculative decoding: drafted tokens accepted, of those drafted (nil when nothing was drafted).
    var drafts: (accepted: Int, drafted: Int)? = nil
    var activity: Activity
    /// The alternative shown of the turn `[` and `]` act on, and how many it has.
    var alternatives: (position: Int, count: Int)?
    /// Chat, Tool or Code.
    var mode: SessionMode = .chat
    /// The data folder cannot be written: nothing is saved.
    var readOnly = false
    var theme: Theme

    func draw(into grid: inout CellGrid, rect: Rect) {
        guard rect.rows > 0 else { return }
        let style = theme[.status]
        grid.fill(rect, style: style)
        // a base model has no roles, so no modes
        var left = model.map { !$0.kind.usesChatFormat } == true ? " " : " \(mode.title) · "
        if let model {
            left += "\(model.name) · \(model.kind.label) · \(model.quantization)"
            if !model.kind.usesChatFormat { left += " · completion, no roles" }
        } else if let loadingName {
            left += loadingName
        } else {
            left += "no model"
        }
        var right: [String] = readOnly ? ["read-only"] : []
        if let alternatives { right.append("alt \(alternatives.position)/\(alternatives.count)") }
        if let model { right.append("ctx \(contextUsed)/\(model.contextWindow)") }
        if let tokensPerSecond { right.append(String(format: "%.1f tok/s", tokensPerSecond)) }
        if let drafts { right.append("drafts \(drafts.accepted)/\(drafts.drafted)") }
        right.append(activity.label)
        let rightText = right.joined(separator: "  ") + " "
        let rightWidth = Glyphs.width(of: rightText)
        let leftRoom = rect.columns - rightWidth - 1
        if leftRoom > 3 {
            grid.write(Glyphs.truncated(left, toCells: leftRoom), style: style, row: rect.row, column: rect.column)
            grid.write(rightText, style: style, row: rect.row, column: rect.right - rightWidth)
        } else {
            grid.write(Glyphs.truncated(" " + activity.label, toCells: rect.columns), style: style, row: rect.row, column: rect.column)
        }
    }
}
