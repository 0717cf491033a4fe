/// The first screen of `glmchat` when no model is configured: what each ChatGLM3 model is and how
/// big, the one command that gets it, how to use a file already on disk, and `--demo`.
struct WelcomeView {
    var models: [CatalogModel] = CatalogModel.all
    /// Where config.toml lives (shown in full, so it can be opened as it is).
    var configPath: String
    var theme: Theme
    /// First content row shown; the view clamps it.
    var scroll = 0

    static let title = "Welcome to glmchat"
    static let footer = "q quit · ↑↓ scroll"

    func draw(into grid: inout CellGrid, screen: Size) {
        let dialog = DialogView(title: Self.title, lines: lines, selected: nil, field: nil, footer: Self.footer,
                                theme: theme, hangingIndent: 0, scroll: scroll)
        _ = dialog.draw(into: &grid, screen: screen)
    }

    /// The content, one entry per paragraph (the dialog wraps long ones).
    var lines: [[Span]] {
        let heading = theme[.assistant], command = theme[.user], note = theme[.dim]
        var lines: [[Span]] = [
            [Span("No model is configured yet. glmchat runs ChatGLM3-6B on this computer's CPU with 4-bit weights; "
                  + "get one of these models with the command under it:")],
            [],
        ]
        for model in models {
            lines.append([Span(model.title, style: heading), Span(" (\(model.kind.rawValue)): \(model.purpose)")])
            lines.append([Span("  "), Span(model.pullCommand, style: command)])
            lines.append([Span("  download \(CatalogModel.formatted(bytes: model.checkpointBytes)) (16-bit checkpoint); "
                               + "\(CatalogModel.formatted(bytes: model.q4_0Bytes)) as Q4_0", style: note)])
            lines.append([])
        }
        lines += [
            [Span("A model already on disk", style: heading), Span(" (a .gguf file, or a Hugging Face folder with config.json):")],
            [Span("  "), Span("glmchat --model PATH", style: command), Span(" for one run, or add it to \(configPath):")],
            [Span("  [[models]]  name = \"chat\"  kind = \"chat\"  path = \"PATH\"", style: command)],
            [Span("  "), Span("glmchat convert --model FOLDER -o chat-q4_0.gguf", style: command),
             Span(" makes the Q4_0 file that loads fastest.")],
            [],
            [Span("Just looking? ", style: heading), Span("glmchat --demo", style: command),
             Span(" opens the chat with a built-in demo model.")],
        ]
        return lines
    }
}
