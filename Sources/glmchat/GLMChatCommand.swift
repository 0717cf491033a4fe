import ArgumentParser
import Foundation

@main
struct GLMChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glmchat",
        abstract: "Chat with ChatGLM3 models (chat, base, 32K) on your own CPU.",
        subcommands: [ChatSubcommand.self, RunCommand.self, GenerateCommand.self, TokenizeCommand.self,
                      ConvertCommand.self, BenchCommand.self, SessionsCommand.self, PullCommand.self,
                      ModelsCommand.self, ServeCommand.self],
        defaultSubcommand: ChatSubcommand.self)
}
