import Foundation
import GLMEngine

/// Not a terminal (a pipe, or TERM=dumb): read the whole of stdin as one message and stream the
/// answer as plain text to stdout, like `glmchat run`. Progress and errors go to stderr.
public enum PlainChat {
    /// Returns the process exit status: 0 on success, 1 when the model or the answer failed.
    @MainActor
    public static func run(configuration: ChatConfiguration, provider: any ModelProvider,
                           input: FileHandle = .standardInput, output: FileHandle = .standardOutput,
                           errors: FileHandle = .standardError) async -> Int32 {
        let chosen = configuration.models.first { $0.name == configuration.initialModel } ?? configuration.models.first
        guard let entry = chosen else {
            errors.write(Data("glmchat: no model configured: add [[models]] to config.toml or pass --model PATH\n".utf8))
            return 1
        }
        var loaded: (any ChatBackend)?
        for await event in provider.load(entry) {
            switch event {
            case .progress: break
            case .loaded(let backend): loaded = backend
            case .failed(let reason):
                errors.write(Data("glmchat: could not load \(entry.name): \(reason)\n".utf8))
                return 1
            }
        }
        guard let backend = loaded else {
            errors.write(Data("glmchat: loading \(entry.name) ended without a model\n".utf8))
            return 1
        }
        let text = String(decoding: input.readDataToEndOfFile(), as: UTF8.self)
        guard !text.trimmingSpaces().isEmpty else { return 0 }
        let chat = ChatSession(store: nil)
        do {
            try chat.append(.user, text, model: backend.info)
        } catch {
            errors.write(Data("glmchat: \(error)\n".utf8))
            return 1
        }
        var status: Int32 = 0
        for await event in chat.reply(using: backend) {
            switch event {
            case .text(let piece): output.write(Data(piece.utf8))
            case .finished(.failed(let reason), _):
                errors.write(Data("\nglmchat: the answer failed: \(reason)\n".utf8))
                status = 1
            case .finished: output.write(Data("\n".utf8))
            case .promptProgress, .progress, .contextSlid, .metadata: break
            }
        }
        return status
    }
}
