import Foundation

/// Not a terminal (a pipe, or TERM=dumb): read the whole of stdin as one message and stream the
/// answer as plain text to stdout, like `glmchat run`. Progress and errors go to stderr.
public enum PlainChat {
    /// Returns the process exit status: 0 on success, 1 when the model or the answer failed.
    @MainActor
    public static func run(configuration: ChatConfiguration, service: any ChatService,
                           input: FileHandle = .standardInput, output: FileHandle = .standardOutput,
                           errors: FileHandle = .standardError) async -> Int32 {
        let chosen = configuration.models.first { $0.name == configuration.initialModel } ?? configuration.models.first
        guard let entry = chosen else {
            errors.write(Data("glmchat: no model configured: add [[models]] to config.toml or pass --model PATH\n".utf8))
            return 1
        }
        var loaded: LoadedModel?
        for await event in service.loadModel(entry) {
            switch event {
            case .progress: break
            case .loaded(let model): loaded = model
            case .failed(let reason):
                errors.write(Data("glmchat: could not load \(entry.name): \(reason)\n".utf8))
                return 1
            }
        }
        guard let model = loaded else {
            errors.write(Data("glmchat: loading \(entry.name) ended without a model\n".utf8))
            return 1
        }
        let text = String(decoding: input.readDataToEndOfFile(), as: UTF8.self)
        guard !text.trimmingSpaces().isEmpty else { return 0 }
        let request = GenerationRequest(system: nil, turns: [ChatTurn(role: .user, text: text)],
                                        mode: model.kind.isCompletion ? .completion : .chat)
        var status: Int32 = 0
        for await event in service.generate(request) {
            switch event {
            case .text(let piece): output.write(Data(piece.utf8))
            case .finished(.failed(let reason)):
                errors.write(Data("\nglmchat: the answer failed: \(reason)\n".utf8))
                status = 1
            case .finished: output.write(Data("\n".utf8))
            case .promptProgress, .stats, .contextSlid: break
            }
        }
        return status
    }
}
