import Foundation
import Testing
import GLMConversation
@testable import GLMInterpreter
#if canImport(Glibc)
import Glibc
#endif

/// Whether this machine can run the sandbox (bubblewrap and python3 in PATH, user namespaces).
enum SandboxProbe {
    static let environment = ProcessInfo.processInfo.environment

    static let available: Bool = {
        guard ExecutableSearch.find("bwrap", environment: environment) != nil,
              ExecutableSearch.find("python3", environment: environment) != nil else { return false }
        return true
    }()

    static let reason: Comment = "needs bubblewrap (apt install bubblewrap) and python3 in PATH"

    /// A Python that can import matplotlib: python3 from PATH, else the system's.
    static let matplotlibPython: String? = {
        for candidate in ["python3", "/usr/bin/python3"] {
            guard let program = ExecutableSearch.find(candidate, environment: environment) else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = ["-c", "import matplotlib"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return program }
        }
        return nil
    }()
}

/// A session in a fresh folder, shut down at the end of the test.
final class SandboxUnderTest {
    let folderOwner: TemporaryFolder
    let session: InterpreterSession
    var folder: URL { session.folder }
    var pythonPrefixes: [String] { session.python.prefixes }

    init(python: String = "python3", timeout: Double = 30, outputLimit: Int = 4000) throws {
        folderOwner = try TemporaryFolder()
        session = try InterpreterSession(settings: InterpreterSettings(python: python, timeoutSeconds: timeout,
                                                                       outputLimit: outputLimit),
                                         folder: folderOwner.url)
    }

    deinit {
        session.shutdown()
    }
}

/// A Python string literal of `text` (JSON's escapes are Python's too).
func pythonString(_ text: String) -> String {
    JSONValue.string(text).pythonDumps()
}

/// The host's processes, read from /proc.
enum HostProcesses {
    /// How many processes have `argument` among their arguments.
    static func withArgument(_ argument: String) -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var count = 0
        for entry in entries where entry.allSatisfy(\.isNumber) {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if arguments.contains(argument) { count += 1 }
        }
        return count
    }

    /// Whether every such process is gone, looking again for a while (the kernel tears a pid
    /// namespace down after its first process died). Counts attempts, never reads a clock.
    static func gone(_ argument: String) async -> Bool {
        for _ in 0..<100 {
            if withArgument(argument) == 0 { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return withArgument(argument) == 0
    }
}

/// A TCP socket listening on the host's 127.0.0.1, which the sandbox must not reach.
final class LoopbackListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        guard fd >= 0 else {
            port = 0
            throw GLMError(.io, "socket failed")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            port = 0
            throw GLMError(.io, "bind/listen failed")
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            port = 0
            throw GLMError(.io, "getsockname failed")
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }
}
