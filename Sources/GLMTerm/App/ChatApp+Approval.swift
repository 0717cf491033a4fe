import GLMEngine
import GLMTools

/// The keys of a proposed call's card: `y` runs it once, `a` runs it and every later call of the
/// tool in this session, `n` refuses it, `e` edits its arguments (JSON) or code in the input (or
/// $EDITOR with Ctrl+G) before it runs, `m` takes a result typed by hand instead of running it.
/// Esc stops the whole loop at any step.
extension ChatApp {
    func askApproval(_ call: ProposedCall, _ reply: ApprovalReply) {
        guard agentRunning else {
            reply.resolve(.refuse(reason: "stopped by the user"))
            return
        }
        approval = PendingApproval(call: call, reply: reply, draft: editor.text)
        activity = .waitingForApproval
        focus = .input
        transcript.scrollToBottom()
        isDirty = true
    }

    /// The card's key line, as the transcript and the input's border show it.
    func approvalPrompt(_ pending: PendingApproval) -> String {
        switch pending.stage {
        case .choosing:
            let what = pending.call.kind == .interpreter ? "Run this code?" : "Run \(pending.call.tool)?"
            return "\(what)  y once · a always (\(pending.call.tool), this session) · n refuse · e edit · m type the result · Esc stop"
        case .editing:
            return pending.call.kind == .interpreter
                ? "Edit the code · Enter runs it · Ctrl+G opens $EDITOR · Esc stops"
                : "Edit the arguments as JSON · Enter runs the call · Ctrl+G opens $EDITOR · Esc stops"
        case .typingResult:
            return "Type the result of \(pending.call.tool) · Enter gives it to the model · Esc stops"
        }
    }

    /// Keys while a card waits; false for keys that go on as usual (Esc stops, scrolling, the editor).
    func handleApproval(_ key: Key) -> Bool {
        guard var pending = approval else { return false }
        switch pending.stage {
        case .choosing:
            switch key {
            case .text("y"), .text("Y"): decide(.once)
            case .text("a"), .text("A"): decide(.always)
            case .text("n"), .text("N"): decide(.refuse(reason: nil))
            case .text("e"), .text("E"):
                pending.stage = .editing
                approval = pending
                editor.set(editableArguments(pending.call))
            case .text("m"), .text("M"):
                pending.stage = .typingResult
                approval = pending
                editor.clear()
            case .escape, .control("c"), .pageUp, .pageDown, .wheelUp, .wheelDown, .tab, .backTab, .resize:
                return false
            case .text, .paste, .enter, .backspace:
                showNotice("A call is waiting: y, a, n, e or m (Esc stops)")
            default:
                return false
            }
            return true
        case .editing, .typingResult:
            guard key == .enter else { return false }
            submitApprovalInput(pending)
            return true
        }
    }

    /// What `e` puts in the input: the arguments as JSON (2-space indent), or the code.
    func editableArguments(_ call: ProposedCall) -> String {
        call.kind == .interpreter ? call.code : call.arguments.pythonDumps(indent: 2)
    }

    private func submitApprovalInput(_ pending: PendingApproval) {
        let text = editor.text
        if pending.stage == .typingResult {
            return decide(.manual(text))
        }
        if pending.call.kind == .interpreter {
            guard !text.trimmingSpaces().isEmpty else { return showError("The code is empty: type some, or Esc to stop") }
            return decide(.edited(.string(text)))
        }
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(text, source: "the arguments")
        } catch {
            return showError("Not valid JSON (fix it, or Esc to stop): \(error)")
        }
        guard case .object = parsed else {
            return showError("The arguments must be a JSON object, like {\"city\": \"Beijing\"} (fix it, or Esc to stop)")
        }
        decide(.edited(parsed))
    }

    private func decide(_ decision: ApprovalDecision) {
        guard let pending = approval else { return }
        pending.reply.resolve(decision)
        clearApproval()
        if activity == .waitingForApproval { activity = .readingPrompt(0) }
    }

    /// Takes the card away and gives the input back what it held.
    func clearApproval() {
        guard let pending = approval else { return }
        approval = nil
        editor.set(pending.draft)
        isDirty = true
    }
}
