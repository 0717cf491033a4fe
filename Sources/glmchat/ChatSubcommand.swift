import ArgumentParser
import Foundation
import GLMEngine
import GLMStore
import GLMTerm

/// `glmchat` with no subcommand: the full-screen chat (plain streamed text when not on a terminal).
struct ChatSubcommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "The full-screen chat (the default). Models come from config.toml and --model.")

    @OptionGroup var options: ChatOptions

    @Option(name: .customLong("data-dir"), help: "Where sessions are kept (default: $XDG_DATA_HOME/glmchat).")
    var dataDirectory: String?

    @Option(help: "Threads for the matrix kernels (default: physical cores).")
    var threads: Int?

    @MainActor
    func run() async throws {
        let status = await runChat(options, dataDirectory: dataDirectory, threads: threads)
        if status != 0 { throw ExitCode(status) }
    }
}
