import Foundation
import GLMEngine
import GLMTools

/// `run --approve ask`: shows each call on the terminal and reads the decision from it (y, a, n,
/// e with new arguments as JSON, m with the result typed by hand). Needs a terminal even when the
/// prompt comes from a pipe: it reads /dev/tty.
final class TerminalApprover: ToolApprover, @unchecked Sendable {
    private let terminal: FileHandle

    init() throws {
        guard let terminal = FileHandle(forUpdatingAtPath: "/dev/tty") else {
            throw GLMError(.badValue, "--approve ask needs a terminal to ask on; use --approve all or --approve none")
        }
        self.terminal = terminal
    }

    func decide(_ call: ProposedCall) async -> ApprovalDecision {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                continuation.resume(returning: ask(call))
            }
        }
    }

    private func ask(_ call: ProposedCall) -> ApprovalDecision {
        let shown = call.kind == .interpreter ? call.code : call.arguments.pythonDumps(indent: 2)
        say("\n── \(call.tool) wants to run (round \(call.round)) ──\n\(ControlPictures.visible(shown))\n")
        while true {
            say("Run it? [y]es once, [a]lways for this tool, [n]o, [e]dit, [m]anual result: ")
            guard let answer = readLine() else { return .refuse(reason: "no answer on the terminal") }
            switch answer.lowercased() {
            case "y", "yes": return .once
            case "a", "always": return .always
            case "n", "no": return .refuse(reason: nil)
            case "m", "manual":
                say("The result: ")
                return .manual(readLine() ?? "")
            case "e", "edit":
                if call.kind == .interpreter {
                    say("The code (one line): ")
                    return .edited(.string(readLine() ?? ""))
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

    private func say(_ text: String) {
        terminal.write(Data(text.utf8))
    }

    /// One line from the terminal, without its newline; nil at its end.
    private func readLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let data = terminal.readData(ofLength: 1)
            guard let byte = data.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == 0x0A { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
            if bytes.count > 1_000_000 { return String(decoding: bytes, as: UTF8.self) }
        }
    }
}
