import Foundation
import GLMEngine
import GLMTerm
import GLMTools

/// `run --approve ask`: shows each call on the terminal and reads the decision from it
/// (`LineApprover`: y, a, n, e, m). Needs a terminal even when the prompt comes from a pipe: it
/// reads /dev/tty.
enum TerminalApprover {
    static func make() throws -> LineApprover {
        guard let terminal = FileHandle(forUpdatingAtPath: "/dev/tty") else {
            throw GLMError(.badValue, "--approve ask needs a terminal to ask on; use --approve all or --approve none")
        }
        return LineApprover(readLine: { readLine(from: terminal) }, say: { terminal.write(Data($0.utf8)) })
    }

    /// One line from the terminal, without its newline; nil at its end.
    private static func readLine(from terminal: FileHandle) -> String? {
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
