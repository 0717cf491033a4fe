import GLMInterpreter
import Testing
@testable import GLMTerm

/// config.toml's `[interpreter]` table reaches `ChatConfiguration.interpreter`; bad values are errors
/// that name the file and the key.
@Suite struct InterpreterConfigTests {
    @Test func theTableSetsPythonAndLimits() throws {
        let text = """
            [interpreter]
            python = "/opt/venv/bin/python"
            timeout = 12.5
            cpu_time = 30
            memory = 512
            output = 900
            unsandboxed = true
            """
        let configuration = try ChatConfiguration.parse(text, path: "config.toml")
        #expect(configuration.interpreter == InterpreterSettings(python: "/opt/venv/bin/python", timeoutSeconds: 12.5,
                                                                 cpuSeconds: 30, memoryBytes: 512 << 20, outputLimit: 900,
                                                                 unsandboxed: true))
    }

    @Test func withoutTheTableTheDefaultsHoldAndTheSandboxIsOn() throws {
        let configuration = try ChatConfiguration.parse("theme = \"dark\"\n", path: "config.toml")
        #expect(configuration.interpreter == InterpreterSettings())
        #expect(!configuration.interpreter.unsandboxed)
    }

    @Test(arguments: ["[interpreter]\nunsandboxed = \"yes\"\n", "[interpreter]\nsandbox = false\n",
                      "[interpreter]\nmemory = [1]\n", "interpreter = 3\n"])
    func aBadValueIsAnErrorNamingTheFile(text: String) {
        #expect {
            _ = try ChatConfiguration.parse(text, path: "config.toml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path == "config.toml" && error.problem.contains("interpreter")
        }
    }
}
