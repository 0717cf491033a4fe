import Foundation
import GLMConversation
import Testing
@testable import GLMInterpreter

/// What the sandbox must block and keep, checked by running Python in it. docs/SANDBOX.md lists
/// the same checks as commands.
@Suite(.enabled(if: SandboxProbe.available, SandboxProbe.reason))
struct SandboxTests {
    @Test func theNetworkIsUnreachable() async throws {
        let listener = try LoopbackListener()
        let sandbox = try SandboxUnderTest()
        let result = await sandbox.session.run("""
            import socket
            for address in [("127.0.0.1", \(listener.port)), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
                s = socket.socket()
                s.settimeout(3)
                try:
                    s.connect(address)
                    print("CONNECTED", address)
                except OSError as error:
                    print("blocked", address, type(error).__name__)
            print(sorted(name for _, name in socket.if_nameindex()))
            """)
        #expect(result.outcome == .finished)
        #expect(!result.stdout.contains("CONNECTED"))
        #expect(result.stdout.components(separatedBy: "blocked").count == 4)
        // Only the sandbox's own loopback: the host's interfaces are not there.
        #expect(result.stdout.contains("['lo']"))
    }

    @Test func nothingOutsideTheFolderCanBeWritten() async throws {
        let sandbox = try SandboxUnderTest()
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let probe = "glmchat-probe-" + UUID().uuidString
        let result = await sandbox.session.run("""
            import os
            for folder in ["/", "/usr", "/etc", "/usr/lib", \(pythonString(home)), \(pythonString(checkout)), "/proc/sys/kernel"]:
                try:
                    with open(os.path.join(folder, "\(probe)"), "w") as f:
                        f.write("x")
                    print("WROTE", folder)
                except OSError as error:
                    print("blocked", folder)
            open("/mnt/data/\(probe)", "w").write("inside")
            open("/tmp/\(probe)", "w").write("private")
            print("done")
            """)
        #expect(result.outcome == .finished)
        #expect(!result.stdout.contains("WROTE"), "\(result.stdout)")
        #expect(result.stdout.components(separatedBy: "blocked").count == 8)
        for folder in ["/", "/usr", "/etc", home, checkout, NSTemporaryDirectory()] {
            #expect(!FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(probe)))
        }
        #expect(try String(contentsOf: sandbox.folder.appendingPathComponent(probe), encoding: .utf8) == "inside")
        #expect(result.files == [probe])
    }

    @Test func theUsersFilesCannotBeRead() async throws {
        let sandbox = try SandboxUnderTest()
        let secretFolder = try TemporaryFolder()
        let secret = secretFolder.url.appendingPathComponent("secret.txt")
        try Data("s3cret".utf8).write(to: secret)
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let result = await sandbox.session.run("""
            import os
            try:
                print("READ", open(\(pythonString(secret.path))).read())
            except OSError as error:
                print("secret blocked", type(error).__name__)
            home = \(pythonString(home))
            found = []
            for root, dirs, files in os.walk(home):
                found += [os.path.join(root, name) for name in files]
            prefixes = [\(sandbox.pythonPrefixes.map(pythonString).joined(separator: ", "))]
            python_files = [path for path in found if any(path.startswith(prefix + "/") for prefix in prefixes)]
            print("home files outside the Python prefix:", len(found) - len(python_files))
            print("ssh" , os.path.exists(os.path.join(home, ".ssh")))
            """)
        #expect(result.outcome == .finished)
        #expect(!result.stdout.contains("READ"))
        #expect(result.stdout.contains("secret blocked FileNotFoundError"))
        #expect(result.stdout.contains("home files outside the Python prefix: 0"))
        #expect(result.stdout.contains("ssh False"))
    }

    @Test func theTimeoutKillsTheProcessAndItsChildren() async throws {
        let sandbox = try SandboxUnderTest(timeout: 3)
        let token = "1000.\(UInt32.random(in: 100_000...999_999))"
        let started = await sandbox.session.run("""
            import subprocess
            sleeper = subprocess.Popen(["sleep", "\(token)"], start_new_session=True)
            print("started")
            """)
        #expect(started.outcome == .finished)
        #expect(HostProcesses.withArgument(token) > 0, "the sleeper runs after its block ended")
        let hung = await sandbox.session.run("import time\ntime.sleep(600)")
        #expect(hung.outcome == .timedOut(seconds: 3))
        #expect(hung.stateLost)
        #expect(hung.observation.contains("Timed out after 3 s"))
        #expect(await HostProcesses.gone(token), "the sleeper outlived the sandbox")
        let next = await sandbox.session.run("print('fresh')")
        #expect(next.outcome == .finished)
        #expect(next.restartedAfterLoss)
        #expect(next.output.contains("Python was restarted"))
        #expect(next.stdout == "fresh\n")
    }

    @Test func theMemoryLimitHolds() async throws {
        let sandbox = try SandboxUnderTest()
        let result = await sandbox.session.run("kept = 5\nblock = bytearray(4 * 1024**3)")
        #expect(result.outcome == .exception)
        #expect(result.traceback?.contains("MemoryError") == true)
        let after = await sandbox.session.run("kept * 2")
        #expect(after.stdout == "10\n")
    }

    @Test func theCPULimitEndsABusyPython() async throws {
        let folder = try TemporaryFolder()
        let session = try InterpreterSession(settings: InterpreterSettings(timeoutSeconds: 120, cpuSeconds: 1), folder: folder.url)
        defer { session.shutdown() }
        let result = await session.run("while True:\n    pass")
        #expect(result.outcome == .crashed("signal SIGXCPU, the CPU time limit"))
        #expect(result.stateLost)
    }

    @Test func variablesPersistBetweenBlocks() async throws {
        let sandbox = try SandboxUnderTest()
        let first = await sandbox.session.run("x = 41\nimport math")
        #expect(first.outcome == .finished)
        #expect(first.observation.isByteEqual(to: "```result\n\n```"))
        let second = await sandbox.session.run("print('x is', x)\nmath.sqrt(x + 8)")
        #expect(second.observation.isByteEqual(to: "```result\nx is 41\n7.0\n```"))
    }

    @Test(arguments: ["import os\nos.abort()", "import ctypes\nctypes.string_at(0)", "import os\nos._exit(3)"])
    func aCrashIsReportedAndTheNextBlockWorks(code: String) async throws {
        let sandbox = try SandboxUnderTest()
        _ = await sandbox.session.run("lost = 1")
        let crash = await sandbox.session.run(code)
        guard case .crashed(let how) = crash.outcome else {
            Issue.record("not a crash: \(crash.outcome)")
            return
        }
        #expect(crash.stateLost)
        #expect(crash.output.contains("Python crashed (\(how))"))
        let next = await sandbox.session.run("print('lost' in dir())")
        #expect(next.outcome == .finished)
        #expect(next.stdout == "False\n")
        #expect(next.restartedAfterLoss)
    }

    @Test func anExceptionGivesPythonsTracebackWithoutTheDriver() async throws {
        let sandbox = try SandboxUnderTest()
        let result = await sandbox.session.run("print('before')\n1/0")
        #expect(result.outcome == .exception)
        #expect(result.observation.hasPrefix("```result\nbefore\nTraceback (most recent call last):\n  File \"<block 1>\", line 2"))
        #expect(result.observation.hasSuffix("ZeroDivisionError: division by zero\n```"))
        #expect(!result.output.contains("<string>"))
    }

    @Test func longOutputKeepsItsHeadAndTail() async throws {
        let sandbox = try SandboxUnderTest(outputLimit: 1000)
        let result = await sandbox.session.run("for i in range(200000): print(i)")
        #expect(result.outcome == .finished)
        #expect(result.output.hasPrefix("0\n1\n2\n"))
        #expect(result.output.hasSuffix("199998\n199999"))
        #expect(result.output.contains("bytes of output cut ...]"))
        #expect(result.output.count < 1100)
    }

    @Test func cancelStopsABlockAndKeepsTheVariables() async throws {
        let sandbox = try SandboxUnderTest(timeout: 60)
        let session = sandbox.session
        let canceller = Task {
            try await Task.sleep(for: .milliseconds(500))
            session.cancel()
        }
        let result = await session.run("kept = 'yes'\nimport time\ntime.sleep(120)")
        _ = try? await canceller.value
        #expect(result.outcome == .cancelled)
        #expect(!result.stateLost)
        #expect(result.output.contains("KeyboardInterrupt"))
        let after = await session.run("kept")
        #expect(after.stdout == "'yes'\n")
    }

    @Test func aBlockThatIgnoresTheInterruptIsKilled() async throws {
        let sandbox = try SandboxUnderTest(timeout: 60)
        let session = sandbox.session
        let canceller = Task {
            try await Task.sleep(for: .milliseconds(500))
            session.cancel()
        }
        let result = await session.run("""
            import time
            while True:
                try:
                    time.sleep(1)
                except KeyboardInterrupt:
                    pass
            """)
        _ = try? await canceller.value
        #expect(result.outcome == .cancelled)
        #expect(result.stateLost)
        #expect(result.output.contains("Python was killed"))
    }

    @Test func anUploadedFileIsReadableAtMntData() async throws {
        let sandbox = try SandboxUnderTest()
        let source = try TemporaryFolder()
        let file = source.url.appendingPathComponent("numbers.csv")
        try Data("n\n1\n2\n3\n".utf8).write(to: file)
        let uploaded = try sandbox.session.upload(file.path)
        #expect(uploaded.sandboxPath == "/mnt/data/numbers.csv")
        let result = await sandbox.session.run("sum(int(line) for line in open('/mnt/data/numbers.csv').read().split()[1:])")
        #expect(result.stdout == "6\n")
    }

    @Test(.enabled(if: SandboxProbe.matplotlibPython != nil, "needs a Python with matplotlib (apt install python3-matplotlib)"))
    func aFigureLandsInTheFolderAndIsNamed() async throws {
        let python = try #require(SandboxProbe.matplotlibPython)
        let sandbox = try SandboxUnderTest(python: python, timeout: 120)
        let result = await sandbox.session.run("""
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3], [1, 4, 9])
            plt.savefig('/mnt/data/squares.png')
            plt.show()
            print('drawn')
            """)
        #expect(result.outcome == .finished, "\(result.output)")
        #expect(result.files == ["figure-1.png", "squares.png"])
        #expect(result.observation.isByteEqual(to: "```result\n【image】\ndrawn\n```"))
        let png = try Data(contentsOf: sandbox.folder.appendingPathComponent("figure-1.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]))
    }

    @Test func unsandboxedRunsOnlyWhenAskedAndSaysSoLoudly() async throws {
        let folder = try TemporaryFolder()
        var settings = InterpreterSettings(timeoutSeconds: 30)
        settings.unsandboxed = true
        let session = try InterpreterSession(settings: settings, folder: folder.url)
        defer { session.shutdown() }
        #expect(!session.isSandboxed)
        let result = await session.run("open('/mnt/data/out.txt', 'w').write('hi')\nprint('ok')")
        #expect(result.unsandboxed)
        #expect(result.output.hasPrefix(InterpreterNotice.unsandboxed))
        #expect(result.files == ["out.txt"])
    }
}
