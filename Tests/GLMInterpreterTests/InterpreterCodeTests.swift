import Foundation
import GLMInterpreter
import Testing

/// The one rule for "the last python block" of an interpreter reply (the loop, the app's code card,
/// `tools parse` and `run --interpreter` all read code with it). The cases where the two readers
/// it replaced disagreed are named after what each gave.
@Suite struct InterpreterCodeTests {
    @Test func theLastPythonBlockIsTheCode() {
        let reply = "Let me try.\n```python\nx = 1\n```\nand then\n```python\nprint(x)\n```"
        #expect(InterpreterCode.lastBlock(in: reply) == "print(x)")
        #expect(InterpreterCode.lastPythonBlock(in: reply)?.textBefore == "Let me try.\n```python\nx = 1\n```\nand then")
        #expect(InterpreterCode.lastBlock(in: "no code") == nil)
        #expect(InterpreterCode.lastBlock(in: "") == nil)
    }

    /// Was: the line reader took the python block, the demo's reader the ```text block after it.
    @Test func aBlockOfAnotherLanguageAfterTheCodeIsNotRun() {
        #expect(InterpreterCode.lastBlock(in: "```python\na = 1\n```\n```text\nb\n```") == "a = 1")
        #expect(InterpreterCode.lastBlock(in: "```python\nprint(2)\n```\n```result\n2\n```") == "print(2)")
        #expect(InterpreterCode.lastBlock(in: "```text\nonly prose\n```") == nil)
    }

    /// Was: the demo's reader kept the line break before the closing fence ("print(x)\n"), the line reader not.
    @Test func theLastLineBreakAndAClosingFencesIndentAreNotCode() {
        #expect(InterpreterCode.lastBlock(in: "```python\nprint(1)\n```") == "print(1)")
        #expect(InterpreterCode.lastBlock(in: "```python\nprint(1)\r\n```") == "print(1)")
        #expect(InterpreterCode.lastBlock(in: "  ```python\n  x = 1\n  ```") == "  x = 1")
        #expect(InterpreterCode.lastBlock(in: "```python\nx = 1\n\n```") == "x = 1\n")
    }

    /// Was: the line reader found no block (its fence must stand on a line of its own), the demo's did.
    @Test func aFenceNeedNotStandOnALineOfItsOwn() {
        #expect(InterpreterCode.lastBlock(in: "```python\nprint(1)```") == "print(1)")
        #expect(InterpreterCode.lastBlock(in: "Run this: ```python\nx = 1\n```") == "x = 1")
        #expect(InterpreterCode.lastPythonBlock(in: "Run this: ```python\nx = 1\n```")?.textBefore == "Run this:")
    }

    /// Was: the line reader left role tokens in the code; the demo removes them.
    @Test func roleTokensAreTakenOutOfTheCode() {
        #expect(InterpreterCode.lastBlock(in: "```python\nprint(x)<|observation|>\n```") == "print(x)")
        #expect(InterpreterCode.lastBlock(in: "```python\na = 1<|assistant|>interpreter\nb = 2\n```") == "a = 1\nb = 2")
    }

    /// Was: the line reader compared the label by bytes as written ("Python" was not code).
    @Test func theLabelIsReadWithoutCaseAndAnUnlabelledBlockIsCode() {
        #expect(InterpreterCode.lastBlock(in: "```Python\nx = 1\n```") == "x = 1")
        #expect(InterpreterCode.lastBlock(in: "```PY \nx = 2\n```") == "x = 2")
        #expect(InterpreterCode.lastBlock(in: "```python3\nx = 3\n```") == "x = 3")
        #expect(InterpreterCode.lastBlock(in: "```\nx = 4\n```") == "x = 4")
        #expect(InterpreterCode.lastPythonBlock(in: "```Python\nx = 1\n```")?.language == "Python")
    }

    @Test func anUnterminatedBlockIsNoCodeAndLeavesTheEarlierOne() {
        #expect(InterpreterCode.lastBlock(in: "```python\nunterminated") == nil)
        #expect(InterpreterCode.lastBlock(in: "```python") == nil)
        #expect(InterpreterCode.lastBlock(in: "```python\na = 1\n```\n```python\nb = 2") == "a = 1")
    }

    /// A non-python block's closing fence does not open a block (fences pair up in order).
    @Test func fencesPairUpInOrder() {
        #expect(InterpreterCode.lastBlock(in: "```text\nsee below\n```\nprint('x')\n```python\nok = 1\n```") == "ok = 1")
        #expect(InterpreterCode.lastBlock(in: "```python\ns = '''\n```\n'''\n```") == "s = '''")
    }

    @Test func unicodeInTheCodeIsKept() {
        #expect(InterpreterCode.lastBlock(in: "代码：\n```python\nprint('你好 👍🏽')\n```") == "print('你好 👍🏽')")
        #expect(InterpreterCode.lastPythonBlock(in: "代码：\n```python\nprint('你好 👍🏽')\n```")?.textBefore == "代码：")
    }
}

/// What `tools list` and the app's Code mode say about the interpreter, found without a folder.
@Suite struct InterpreterAvailabilityTests {
    @Test func withoutBubblewrapInPathItIsMissingAndSaysHowToInstallIt() {
        let state = InterpreterAvailability.check(InterpreterSettings(), environment: ["PATH": "/nonexistent-glmchat"])
        #expect(state == .bubblewrapMissing)
        #expect(!state.canRun)
        #expect(state.problem?.contains("sudo apt install bubblewrap") == true)
        #expect(state.summary.hasPrefix("bubblewrap missing"))
        #expect(InterpreterAvailability.bubblewrapProblem(InterpreterSettings(), environment: ["PATH": "/nonexistent-glmchat"]) != nil)
    }

    @Test func unsandboxedByConfigNeedsNoBubblewrapAndSaysSo() throws {
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let settings = InterpreterSettings(python: python, unsandboxed: true)
        let state = InterpreterAvailability.check(settings, environment: ["PATH": "/nonexistent-glmchat"])
        guard case .unsandboxed(let executable, _) = state else {
            Issue.record("expected unsandboxed, got \(state)")
            return
        }
        #expect(!executable.isEmpty)
        #expect(state.canRun)
        #expect(state.summary.hasPrefix("UNSANDBOXED by config"))
        #expect(InterpreterAvailability.bubblewrapProblem(settings, environment: ["PATH": "/nonexistent-glmchat"]) == nil)
    }

    @Test func aPythonThatIsNotThereIsNamed() {
        let settings = InterpreterSettings(python: "/nonexistent-glmchat/python3", unsandboxed: true)
        guard case .pythonMissing(let why) = InterpreterAvailability.check(settings) else {
            Issue.record("expected the Python to be missing")
            return
        }
        #expect(why.contains("/nonexistent-glmchat/python3"))
    }

    @Test(.enabled(if: SandboxProbe.available, SandboxProbe.reason))
    func withBubblewrapItIsAvailable() {
        guard case .sandboxed(let bwrap, _, _) = InterpreterAvailability.check(InterpreterSettings()) else {
            Issue.record("expected the sandbox to be available")
            return
        }
        #expect(bwrap.hasSuffix("/bwrap"))
    }
}
