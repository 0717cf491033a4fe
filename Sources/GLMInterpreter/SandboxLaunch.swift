import Foundation
import GLMConversation

/// The Python the settings name, resolved outside the sandbox: the real program behind a name in
/// PATH, a pyenv shim or a venv, and the directories its standard library and packages live in.
struct ResolvedPython: Sendable, Equatable {
    var executable: String
    /// `sys.prefix` and `sys.base_prefix` (equal outside a venv).
    var prefixes: [String]
    var version: String

    /// Asks the Python itself (`-I -S`: no user site, no site hooks, only the path computation).
    static func resolve(_ name: String, environment: [String: String]) throws(GLMError) -> ResolvedPython {
        guard let program = ExecutableSearch.find(name, environment: environment) else {
            throw GLMError(.fileNotFound, path: name,
                           "no such Python: not a path and not found in PATH (set [interpreter] python in config.toml)")
        }
        let probe = "import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix); print(sys.version.split()[0])"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-I", "-S", "-c", probe]
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw GLMError(.io, path: program, "cannot start Python: \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard process.terminationStatus == 0, lines.count == 4, lines[0].hasPrefix("/"),
              lines[3].hasPrefix("3.") else {
            throw GLMError(.badValue, path: program, "is not a working Python 3 (it did not report its prefix)")
        }
        var prefixes: [String] = []
        for prefix in [lines[1], lines[2]] where prefix.hasPrefix("/") && !prefixes.contains(prefix) {
            prefixes.append(prefix)
        }
        return ResolvedPython(executable: lines[0], prefixes: prefixes, version: lines[3])
    }
}

/// PATH lookup.
enum ExecutableSearch {
    /// `name` itself when it holds a "/", else the first executable file of that name in PATH.
    static func find(_ name: String, environment: [String: String]) -> String? {
        if name.contains("/") {
            let path = name.hasPrefix("/") ? name : FileManager.default.currentDirectoryPath + "/" + name
            return access(path, X_OK) == 0 ? path : nil
        }
        let search = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in search.split(separator: ":") where !directory.isEmpty {
            let path = directory + "/" + name
            var status = stat()
            if stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG, access(path, X_OK) == 0 {
                return String(path)
            }
        }
        return nil
    }
}

/// bubblewrap's command line for one session's Python.
struct SandboxLayout: Sendable {
    var bwrap: String
    var python: ResolvedPython
    var folder: String
    var tmpfsSizeSupported: Bool

    /// Without bubblewrap the interpreter does not start; this says how to get it.
    static let missingMessage = """
        the code interpreter needs bubblewrap (bwrap) to run code in a sandbox, and it was not found in PATH. \
        Install it: `sudo apt install bubblewrap` (Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora), \
        `sudo pacman -S bubblewrap` (Arch). Running code without a sandbox needs `unsandboxed = true` in the \
        [interpreter] table of config.toml, and then the code can read and change all your files.
        """

    /// Pieces of /etc Python, the C library and matplotlib read; each only when it exists.
    static let etcPieces = ["/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                            "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/fonts",
                            "/etc/matplotlibrc", "/etc/mime.types", "/etc/ssl/certs"]

    /// The arguments after the bwrap program: namespaces, the read-only system, the folder, the
    /// private /tmp, and the command.
    func arguments(command: [String]) -> [String] {
        var arguments = ["--unshare-user", "--uid", "1000", "--gid", "1000",
                         "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                         "--hostname", "sandbox", "--die-with-parent", "--new-session",
                         "--ro-bind", "/usr", "/usr"]
        for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: top) {
                arguments += ["--symlink", target, top]
            } else if FileManager.default.fileExists(atPath: top) {
                arguments += ["--ro-bind", top, top]
            }
        }
        for piece in Self.etcPieces {
            arguments += ["--ro-bind-try", piece, piece]
        }
        for prefix in python.prefixes where !Self.isInside(prefix, "/usr") {
            arguments += ["--ro-bind", prefix, prefix]
        }
        if !python.prefixes.contains(where: { Self.isInside(python.executable, $0) }),
           !Self.isInside(python.executable, "/usr") {
            arguments += ["--ro-bind", python.executable, python.executable]
        }
        arguments += ["--proc", "/proc", "--dev", "/dev"]
        if tmpfsSizeSupported { arguments += ["--size", String(512 << 20)] }
        arguments += ["--tmpfs", "/tmp",
                      "--bind", folder, InterpreterFolder.mountPoint,
                      // bubblewrap's own root (where /mnt, /root... were made) is writable until now.
                      "--remount-ro", "/",
                      "--chdir", InterpreterFolder.mountPoint, "--"]
        return arguments + command
    }

    static func isInside(_ path: String, _ directory: String) -> Bool {
        path == directory || path.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/")
    }

    /// Whether this bubblewrap knows `--size` (0.7 and later).
    static func supportsTmpfsSize(_ bwrap: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bwrap)
        process.arguments = ["--help"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).contains("--size")
    }
}

/// The environment of the sandboxed Python: nothing of the user's own.
enum SandboxEnvironment {
    static func variables(settings: InterpreterSettings, python: ResolvedPython, dataFolder: String) -> [String: String] {
        let pythonBin = (python.executable as NSString).deletingLastPathComponent
        return ["PATH": "\(pythonBin):/usr/local/bin:/usr/bin:/bin",
                "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
                "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib",
                "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "GLMCHAT_MEMORY": String(settings.memoryBytes), "GLMCHAT_CPU": String(settings.cpuSeconds),
                "GLMCHAT_DATA": dataFolder]
    }
}
