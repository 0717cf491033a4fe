import ArgumentParser
import Foundation
import GLMHub
import GLMStore
import GLMTerm

/// `glmchat pull REPO [FILE]`: downloads a model from Hugging Face (or the mirror in HF_ENDPOINT) into
/// the models folder, resumably and verified, and adds it to config.toml.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Download a ChatGLM3 model from Hugging Face and add it to config.toml.",
        discussion: """
            REPO is a checkpoint repository (THUDM/chatglm3-6b, THUDM/chatglm3-6b-base, THUDM/chatglm3-6b-32k): \
            config.json, tokenizer.model and the weights are fetched, safetensors when the repository has them. \
            Or a GGUF repository with FILE naming one .gguf file. Files go to $GLMCHAT_DATA_DIR/models \
            (default ~/.local/share/glmchat/models). An interrupted pull resumes when run again; every file is \
            checked against the hub's sha256.

            HF_TOKEN: a Hugging Face token, for gated models. HF_ENDPOINT: a mirror (e.g. https://hf-mirror.com).
            """)

    @Argument(help: "The repository, OWNER/NAME (e.g. THUDM/chatglm3-6b).") var repository: String
    @Argument(help: "One .gguf file of a GGUF repository.") var file: String?
    @Option(help: "The model's name in config.toml (default: the repository's, or the GGUF file's).") var name: String?
    @Option(name: .customLong("data-dir"), help: "The data folder; models go into its models/ (default: $GLMCHAT_DATA_DIR, else $XDG_DATA_HOME/glmchat).")
    var dataDir: String?

    func validate() throws {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let model: PulledModel
        let reporter = PullReporter()
        do {
            let repositoryID = try HubRepositoryID(repository)
            let settings = try HubSettings(environment: environment)
            let puller = ModelPuller(settings: settings, modelsDirectory: ModelsLocation.directory(dataDir: dataDir))
            PullReporter.say("pulling \(repositoryID) from \(settings.displayEndpoint) into \(puller.folder(for: repositoryID).path)")
            model = try await puller.pull(repositoryID, file: file) { reporter.handle($0) }
        } catch {
            reporter.endBarLine()
            exitWithError(error)
        }
        PullReporter.say("\(model.repository): \(model.files.count) file\(model.files.count == 1 ? "" : "s"), "
                         + "\(HubError.bytes(model.totalBytes)), kind \(model.kind.rawValue)")
        try register(model, environment: environment)
    }

    /// Adds the model to config.toml; a config file that cannot take it leaves the download in place
    /// and says what to add by hand.
    private func register(_ model: PulledModel, environment: [String: String]) throws {
        guard let kind = ModelKind(rawValue: model.kind.rawValue) else {
            exitWithError(ValidationError("kind \(model.kind.rawValue) has no config.toml spelling"))
        }
        let entry = ModelEntry(name: name ?? model.suggestedName, kind: kind, path: model.path.path)
        do {
            let (outcome, path) = try ChatConfiguration.appendModel(entry, comment: "added by glmchat pull \(model.repository)",
                                                                    environment: environment)
            switch outcome {
            case .added(let name):
                PullReporter.say("added to \(path) as \"\(name)\" (\(kind.rawValue)): \(model.path.path)")
            case .alreadyListed(let name):
                PullReporter.say("already in \(path) as \"\(name)\"")
            }
        } catch {
            PullReporter.say("glmchat: the model is at \(model.path.path), but config.toml was not changed: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Turns pull events into lines and progress bars on stderr.
final class PullReporter {
    private var bar: ProgressBar?

    func handle(_ event: PullEvent) {
        switch event {
        case .listed(_, let commit):
            Self.say("commit \(commit.prefix(12))")
        case .choseOnlyGGUF(let file):
            Self.say("the repository has one GGUF file: \(file)")
        case .alreadyDownloaded(let file, let size):
            Self.say("\(file): already downloaded (\(HubError.bytes(size)))")
        case .downloading(let file, let size, let resumingAt):
            if resumingAt > 0 { Self.say("\(file): resuming at \(HubError.bytes(resumingAt)) of \(HubError.bytes(size))") }
            bar = ProgressBar(label: Self.label(file), total: size, initial: resumingAt)
        case .progress(_, let done, _):
            bar?.update(done)
        case .restarting(let file, let reason):
            Self.say("\(file): starting over (\(reason))")
        case .verified(let file):
            bar = nil
            Self.say("\(file): verified")
        }
    }

    /// A bar redrawn in place on a terminal has no newline yet: the error goes on the next line.
    func endBarLine() {
        if bar != nil, isatty(STDERR_FILENO) == 1 { FileHandle.standardError.write(Data("\n".utf8)) }
        bar = nil
    }

    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The file name, shortened to keep the bar on one line.
    private static func label(_ file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        return name.count <= 32 ? name : "…" + name.suffix(31)
    }
}

/// `$GLMCHAT_DATA_DIR/models` (default `$XDG_DATA_HOME/glmchat/models`), beside the sessions database.
enum ModelsLocation {
    static func directory(dataDir: String?) -> URL {
        StorePaths.dataDirectory(override: dataDir).appendingPathComponent("models", isDirectory: true)
    }
}
