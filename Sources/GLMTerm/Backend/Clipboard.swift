import Foundation

/// The clipboard, as a terminal app reaches it: the OSC 52 sequence (the terminal sets its
/// clipboard; it works over SSH and inside tmux with `set-clipboard on`), and where a desktop session
/// has one, a local tool (wl-copy, xclip, xsel, pbcopy). Only the terminal backend uses it.
enum Clipboard {
    /// `ESC ] 52 ; c ; BASE64 BEL`: "put this on the clipboard".
    static func osc52(_ text: String) -> String {
        "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
    }

    /// The local tool for this session, if one is installed: Wayland, then X11, then macOS.
    static func localTool(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]? {
        var candidates: [[String]] = []
        if environment["WAYLAND_DISPLAY"].map({ !$0.isEmpty }) == true { candidates.append(["wl-copy"]) }
        if environment["DISPLAY"].map({ !$0.isEmpty }) == true {
            candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
        }
        candidates.append(["pbcopy"])
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for candidate in candidates {
            if let directory = path.first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/" + candidate[0]) }) {
                return [directory + "/" + candidate[0]] + candidate.dropFirst()
            }
        }
        return nil
    }

    /// Feeds `text` to the local tool in the background; nothing happens when there is none.
    static func copyWithLocalTool(_ text: String) {
        guard let tool = localTool() else { return }
        Task.detached {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool[0])
            process.arguments = Array(tool.dropFirst())
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
                input.fileHandleForWriting.write(Data(text.utf8))
                try input.fileHandleForWriting.close()
                process.waitUntilExit()
            } catch {
                // No tool after all: OSC 52 was sent.
            }
        }
    }
}
