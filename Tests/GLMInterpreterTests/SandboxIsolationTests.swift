import Foundation
import Testing
@testable import GLMInterpreter

/// What docs/SANDBOX.md says the sandbox blocks beyond the network and the files: other processes,
/// root's powers, core files, and raising the limits again.
@Suite(.enabled(if: SandboxProbe.available, SandboxProbe.reason))
struct SandboxIsolationTests {
    @Test func otherProcessesAreNotVisible() async throws {
        let sandbox = try SandboxUnderTest()
        let result = await sandbox.session.run("import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")
        #expect(result.outcome == .finished)
        let pids = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            .trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        // its own pid namespace: bubblewrap's init and Python, nothing of the host (this test's pid)
        #expect(!pids.isEmpty && pids.count <= 3, "\(result.stdout)")
        #expect(pids.allSatisfy { $0 < 10 }, "\(result.stdout)")
        #expect(!pids.contains(Int(getpid())))
    }

    @Test func theCodeRunsAsAnUnprivilegedUserWithoutCapabilities() async throws {
        let sandbox = try SandboxUnderTest()
        let result = await sandbox.session.run(
            "import os\nprint(os.getuid(), open('/proc/self/status').read().split('CapEff:')[1].split()[0])")
        #expect(result.stdout == "1000 0000000000000000\n")
    }

    @Test func limitsAreHardAndCoreFilesAreOff() async throws {
        let sandbox = try SandboxUnderTest()
        let core = await sandbox.session.run("import resource\nprint(resource.getrlimit(resource.RLIMIT_CORE))")
        #expect(core.stdout == "(0, 0)\n")
        let raise = await sandbox.session.run("resource.setrlimit(resource.RLIMIT_AS, (-1, -1))")
        #expect(raise.outcome == .exception)
        #expect(raise.traceback?.contains("ValueError: not allowed to raise maximum limit") == true)
    }
}
