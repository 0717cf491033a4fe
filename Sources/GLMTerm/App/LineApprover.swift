import Foundation
import GLMEngine
import GLMTools

/// Asks about each call on a line-by-line terminal: shows the call (the code, or the arguments
/// pretty-printed; control characters as their pictures) and reads the decision as a line: `y`
/// once, `a` always for this tool in this session, `n` no, `e` edit (new arguments as a JSON
/// object, or new code ending with a line holding only "."), `m` type the result by hand.
/// `glmchat run --approve ask` asks on /dev/tty with it; the line-by-line chat (TERM=dumb) on its
/// own input.
public final class LineApprover: ToolApprover, Sendable {
    private let readLine: @Sendable () -> String?
    private let say: @Sendable (String) -> Void
    private let beforeAsking: @Sendable () -> Void
    private let stopped: @Sendable () -> Bool

    /// `readLine` gives the next line without its line break (nil at the end of input); `say`
    /// writes text as it is; `beforeAsking` waits (on the asking thread) until the caller has
    /// written what came before the call, so the card follows it; `stopped` says the turn was
    /// stopped (Ctrl+C) while the question waited: the next line ends it, whatever it holds.
    public init(readLine: @escaping @Sendable () -> String?, say: @escaping @Sendable (String) -> Void,
                beforeAsking: @escaping @Sendable () -> Void = {}, stopped: @escaping @Sendable () -> Bool = { false }) {
        self.readLine = readLine
        self.say = say
        self.beforeAsking = beforeAsking
        self.stopped = stopped
    }

    /// Reading blocks, so it happens on a thread of its own.
    public func decide(_ call: ProposedCall) async -> ApprovalDecision {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(returning: ask(call))
            }
        }
    }

    /// The card: what runs, and the choices.
    static func card(_ call: ProposedCall) -> String {
        let shown = call.kind == .interpreter ? call.code : call.arguments.pythonDumps(indent: 2)
        let what = call.kind == .interpreter ? "python wants to run (round \(call.round))"
            : "\(call.tool) wants to run (round \(call.round))"
        return "\n── \(what) ──\n\(ControlPictures.visible(shown))\n"
    }

    static let question = "Run it? [y]es once, [a]lways for this tool, [n]o, [e]dit, [m]anual result: "

    func ask(_ call: ProposedCall) -> ApprovalDecision {
        beforeAsking()
        say(Self.card(call))
        while true {
            say(Self.question)
            guard let answer = readLine() else { return .refuse(reason: "no answer on the terminal") }
            if stopped() { return .refuse(reason: "stopped by the user") }
            switch answer.trimmingSpaces().lowercased() {
            case "y", "yes": return .once
            case "a", "always": return .always
            case "n", "no": return .refuse(reason: nil)
            case "m", "manual":
                say("The result: ")
                return .manual(readLine() ?? "")
            case "e", "edit":
                if call.kind == .interpreter {
                    say("The code, ended by a line holding only \".\":\n")
                    var lines: [String] = []
                    while let line = readLine(), line != "." { lines.append(line) }
                    return .edited(.string(lines.joined(separator: "\n")))
                }
                say("The arguments as a JSON object: ")
                do {
                    let value = try JSONValue.parse(readLine() ?? "", source: "the edited arguments")
                    guard case .object = value else { say("That is not a JSON object.\n"); continue }
                    return .edited(value)
                } catch {
                    say("\(error)\n")
                }
            default:
                continue
            }
        }
    }
}
