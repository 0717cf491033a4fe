import ArgumentParser
import Foundation

@main
struct GLMChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glmchat",
        abstract: "Chat with ChatGLM3 models (chat, base, 32K) on your own CPU.",
        version: GLMChatVersion.current,
        subcommands: [ChatSubcommand.self, RunCommand.self, GenerateCommand.self, TokenizeCommand.self,
                      ConvertCommand.self, BenchCommand.self, SessionsCommand.self, PullCommand.self, ToolsCommand.self,
                      ModelsCommand.self, ServeCommand.self, InterpreterCommand.self],
        defaultSubcommand: ChatSubcommand.self)

    /// `glmchat --help` shows the chat's own options beside the subcommands (the chat is what
    /// `glmchat` alone runs); everything else is ArgumentParser's usual handling.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments == ["--help"] || arguments == ["-h"] || arguments == ["help"] {
            print(RootHelp.text())
            return
        }
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

/// The version `--version` prints.
enum GLMChatVersion {
    static let current = "0.4.0"
}

/// The root help: what the chat takes, the options every command shares, then the subcommands.
enum RootHelp {
    static func text(columns: Int? = nil) -> String {
        let root = GLMChatCommand.helpMessage(columns: columns)
        let chat = GLMChatCommand.helpMessage(for: ChatSubcommand.self, columns: columns)
        let chatOptions = section("OPTIONS", of: chat).filter { !isCommonOption($0) }
        var lines = [GLMChatCommand.configuration.abstract, "",
                     "USAGE: glmchat [<chat options>]      the full-screen chat (plain text when not on a terminal)",
                     "       glmchat <subcommand> [<options>]", "",
                     "CHAT OPTIONS:"]
        lines += chatOptions
        lines += ["", "COMMON OPTIONS:",
                  "  --version               Show the version.",
                  "  -h, --help              Show help information (glmchat help <subcommand> for one command).", "",
                  "SUBCOMMANDS:"]
        lines += section("SUBCOMMANDS", of: root)
        return lines.joined(separator: "\n")
    }

    /// The lines under `name:` up to the next heading (a line that starts in the first column).
    static func section(_ name: String, of help: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.isEmpty, line.first?.isWhitespace == false {
                inside = line.hasPrefix(name + ":")
                continue
            }
            if inside { lines.append(line) }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    private static func isCommonOption(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("-h, --help") || trimmed.hasPrefix("--version")
    }
}
