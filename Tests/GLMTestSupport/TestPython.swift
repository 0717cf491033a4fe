import Foundation

/// The python a test runs its helper scripts with: CI's venv (GLMCHAT_TEST_PYTHON, which .ci/run makes)
/// or the system's, whichever first imports what the test needs.
public enum TestPython {
    /// The first python that imports `imports` (a Python import statement's list, e.g. "jinja2"), or nil.
    public static func importing(_ imports: String) -> String? {
        let candidates = [ProcessInfo.processInfo.environment["GLMCHAT_TEST_PYTHON"], "/usr/bin/python3"].compactMap { $0 }
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import \(imports)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return python }
        }
        return nil
    }
}
