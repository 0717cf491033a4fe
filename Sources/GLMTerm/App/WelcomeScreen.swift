import GLMEngine

/// Runs the welcome view on a terminal until the user quits (q, Escape, Enter, Ctrl+C or Ctrl+D).
@MainActor
public struct WelcomeScreen {
    let backend: any TerminalBackend
    let theme: Theme
    let configPath: String

    public init(backend: any TerminalBackend, theme: Theme, configPath: String) {
        self.backend = backend
        self.theme = theme
        self.configPath = configPath
    }

    public func run() {
        let renderer = Renderer(backend: backend)
        var decoder = KeyDecoder()
        var view = WelcomeView(configPath: configPath, theme: theme)
        var needsDraw = true
        while true {
            if needsDraw {
                var grid = CellGrid(size: backend.size)
                view.draw(into: &grid, screen: backend.size)
                renderer.present(grid, cursor: nil)
                needsDraw = false
            }
            let raw = backend.readInput(timeoutMilliseconds: AppRunner.idleTimeoutMilliseconds)
            for key in raw.isEmpty ? decoder.flush() : decoder.feed(raw) {
                switch key {
                case .text("q"), .text("Q"), .escape, .enter, .control("c"), .control("d"):
                    return
                case .up, .wheelUp: view.scroll = max(0, view.scroll - 1)
                case .down, .wheelDown: view.scroll += 1
                case .pageUp: view.scroll = max(0, view.scroll - 10)
                case .pageDown: view.scroll += 10
                case .resize, .control("l"): renderer.invalidate()
                default: continue
                }
                needsDraw = true
            }
        }
    }
}
