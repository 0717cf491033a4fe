import Foundation
import Testing

/// `glmchat interpreter run`: the observation the model would get, and an exit status that is
/// non-zero only when the sandbox cannot start.
@Suite(.enabled(if: CLI.isBuilt, "needs the glmchat binary built next to the tests"))
struct InterpreterCommandTests {
    static let sandboxReady = FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap")
        || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/bwrap") }

    /// A config folder without config.toml, so the user's own settings do not change the run.
    static func emptyConfig() throws -> [String: String] {
        ["XDG_CONFIG_HOME": try CLI.temporaryDirectory()]
    }

    @Test(.enabled(if: sandboxReady, "needs bubblewrap (apt install bubblewrap)"))
    func printsTheResultBlockAndNamesTheFilesWritten() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let code = directory + "/block.py"
        try Data("open('/mnt/data/out.txt', 'w').write('x')\nprint('hello')\n6 * 7\n".utf8).write(to: URL(fileURLWithPath: code))
        let folder = directory + "/data"
        let result = try CLI.run(["interpreter", "run", "--file", code, "--folder", folder], environment: try Self.emptyConfig())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.text == "```result\nhello\n42\n```\n")
        #expect(result.stderr.contains(folder + "/out.txt"))
        #expect(FileManager.default.fileExists(atPath: folder + "/out.txt"))
    }

    @Test(.enabled(if: sandboxReady, "needs bubblewrap (apt install bubblewrap)"))
    func anExceptionIsAResultNotAFailure() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let code = directory + "/block.py"
        try Data("raise ValueError('bad')\n".utf8).write(to: URL(fileURLWithPath: code))
        let result = try CLI.run(["interpreter", "run", "--file", code, "--folder", directory + "/data"],
                                 environment: try Self.emptyConfig())
        #expect(result.status == 0)
        #expect(result.text.hasSuffix("ValueError: bad\n```\n"))
    }

    @Test func withoutBubblewrapItRefusesWithTheInstallCommand() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let code = directory + "/block.py"
        try Data("print(1)\n".utf8).write(to: URL(fileURLWithPath: code))
        var environment = try Self.emptyConfig()
        environment["PATH"] = directory
        let result = try CLI.run(["interpreter", "run", "--file", code, "--folder", directory + "/data"], environment: environment)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("apt install bubblewrap"))
    }
}
