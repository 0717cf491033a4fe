import GLMEngine

/// The main loop: reads input without blocking answer delivery for long, hands keys to the app,
/// lets the app's stream consumers run, and draws at most ~30 frames a second, and only when
/// something changed.
@MainActor
public final class AppRunner {
    public let app: ChatApp
    public let backend: any TerminalBackend
    private let renderer: Renderer
    private var decoder = KeyDecoder()
    private var lastFrame: ContinuousClock.Instant?
    public static let frameInterval = Duration.milliseconds(33)
    /// How long one read may wait while an answer streams or a model loads: short, so their
    /// events are handled promptly. Idle, nothing but input can arrive, so the loop sleeps longer.
    public static let busyTimeoutMilliseconds = 15
    public static let idleTimeoutMilliseconds = 100

    public init(app: ChatApp, backend: any TerminalBackend) {
        self.app = app
        self.backend = backend
        self.renderer = Renderer(backend: backend)
    }

    /// Runs until the user quits. `problem` is shown at start (see `ChatApp.start`).
    public func run(problem: String? = nil) async {
        app.start(problem: problem)
        while !app.wantsQuit {
            await step(timeoutMilliseconds: readTimeoutMilliseconds())
        }
        app.finishPendingDeletion()
    }

    /// How long the next read may wait: busy or idle, but never past a frame the screen is owed. A
    /// change made less than a frame after the last one (an answer's end, a key) is drawn when its
    /// frame is due, not after an idle read's whole wait (that cost keys and Esc up to 100 ms).
    func readTimeoutMilliseconds(now: ContinuousClock.Instant = .now) -> Int {
        let wait = app.isBusy ? Self.busyTimeoutMilliseconds : Self.idleTimeoutMilliseconds
        guard app.isDirty || app.needsFullRedraw, let lastFrame else { return wait }
        let left = Self.frameInterval - (now - lastFrame)
        let milliseconds = left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1
        return Int(max(0, min(Int64(wait), milliseconds)))
    }

    /// One turn of the loop. Tests call it directly.
    public func step(timeoutMilliseconds: Int = AppRunner.busyTimeoutMilliseconds) async {
        let raw = backend.readInput(timeoutMilliseconds: timeoutMilliseconds)
        let keys = raw.isEmpty ? decoder.flush() : decoder.feed(raw)
        for key in keys {
            app.handle(key)
            if app.wantsQuit { return }
            if app.wantsSuspend {
                app.wantsSuspend = false
                backend.suspend()
            }
            performTerminalRequests()
        }
        await Task.yield()
        app.expirePendingDeletion()
        app.tick()
        drawIfDue()
    }

    /// What the app asked of the terminal itself: the clipboard, the mouse, an editor.
    func performTerminalRequests() {
        while !app.terminalRequests.isEmpty {
            switch app.terminalRequests.removeFirst() {
            case .copy(let text):
                backend.copyToClipboard(text)
            case .mouse(let on):
                backend.setMouseCapture(on)
            case .edit(let text, let command):
                var result: Result<String, GLMError> = .failure(GLMError(.io, "the editor did not run"))
                backend.runOutside { result = ExternalEditor.edit(text, command: command) }
                renderer.invalidate()
                app.finishEditing(result)
            }
        }
    }

    /// Draws when the app changed and the last frame is at least one frame interval old.
    public func drawIfDue(force: Bool = false) {
        let now = ContinuousClock.now
        if !force, let lastFrame, now - lastFrame < Self.frameInterval { return }
        guard app.isDirty || app.needsFullRedraw || force else { return }
        if app.needsFullRedraw {
            renderer.invalidate()
            app.needsFullRedraw = false
        }
        let (grid, cursor) = app.render(size: backend.size)
        renderer.present(grid, cursor: cursor)
        app.isDirty = false
        lastFrame = now
    }
}
