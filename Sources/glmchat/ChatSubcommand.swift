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
        let service = EngineChatService(threads: threads)
        let repository: any SessionRepository
        if options.demo {
            repository = InMemorySessionRepository()
        } else {
            do {
                let store = try GLMStore(dataDirectory: StorePaths.dataDirectory(override: dataDirectory))
                if let notice = store.notice {
                    FileHandle.standardError.write(Data("glmchat: \(notice)\n".utf8))
                }
                repository = StoreSessionRepository(store: store, modelKind: { service.modelKind },
                                                    modelName: { service.modelName })
            } catch {
                exitWithError(error)
            }
        }
        let status = await runChat(options, service: service, repository: repository)
        if status != 0 { throw ExitCode(status) }
    }
}
