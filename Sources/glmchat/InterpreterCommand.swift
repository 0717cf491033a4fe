import ArgumentParser
import Foundation
import GLMConversation
import GLMInterpreter
import GLMTerm

/// `glmchat interpreter run --file CODE.py`: runs one block in the code interpreter's sandbox and
/// prints the observation the model would get (the fenced `result` block).
struct InterpreterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpreter",
        abstract: "Run Python in the code interpreter's sandbox (bubblewrap), as the model's code runs.",
        subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run one block of Python and print the observation the model would get.",
            discussion: """
                The block runs as the model's code does: inside bubblewrap, without network, with the \
                system read-only and FOLDER writable at /mnt/data, under the [interpreter] limits of \
                config.toml. Files the block makes in the folder are named on stderr. The exit status \
                is non-zero only when the sandbox cannot start; an exception, a timeout or a crash of \
                the code is part of the printed result. docs/SANDBOX.md lists what is blocked.
                """)

        @Option(name: .long, help: "The Python code to run.")
        var file: String

        @Option(name: .long, help: "The folder mounted at /mnt/data (default: a new temporary folder).")
        var folder: String?

        @Option(name: .long, help: "The Python to use (default: [interpreter] python of config.toml, else python3).")
        var python: String?

        @Option(name: .long, help: "Seconds of wall time for the block (default: [interpreter] timeout, else 60).")
        var timeout: Double?

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            var settings = try ChatConfiguration.load(environment: environment).interpreter
            if let python { settings.python = python }
            if let timeout {
                guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
                settings.timeoutSeconds = timeout
            }
            // Read through a handle, so `--file <(…)` (a pipe) works too.
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw GLMError(.unreadable, path: file, "cannot open the code")
            }
            let bytes = handle.readDataToEndOfFile()
            try? handle.close()
            guard let code = String(validating: Array(bytes), as: UTF8.self) else {
                throw GLMError(.badFormat, path: file, "the code is not valid UTF-8")
            }
            let folderURL = try folder.map { URL(fileURLWithPath: $0) } ?? Self.temporaryFolder()
            let session = try InterpreterSession(settings: settings, folder: folderURL, environment: environment)
            try await session.start()
            let result = await session.run(code)
            session.shutdown()
            print(result.observation)
            for name in result.files {
                FileHandle.standardError.write(Data("glmchat: the block wrote \(session.folder.appendingPathComponent(name).path)\n".utf8))
            }
            if case .failedToStart = result.outcome { throw ExitCode(1) }
        }

        static func temporaryFolder() throws -> URL {
            let url = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("glmchat-interpreter-" + UUID().uuidString.prefix(8).lowercased())
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return url
        }
    }
}
