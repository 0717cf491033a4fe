import Foundation
import GLMConversation
#if canImport(Glibc)
import Glibc
#endif

/// One started program with four pipes: its stdout (fd 1), stderr (fd 2), a request pipe it reads
/// as fd 3 and an answer pipe it writes as fd 4; stdin is /dev/null. It runs in a process group of
/// its own, so `kill()` reaches every process that stayed in it.
///
/// bubblewrap's `--die-with-parent` ties the sandbox to the *thread* that started it, so a child
/// must be started, and waited for, on a thread that lives as long as the child (`InterpreterSession`'s
/// worker).
final class ChildProcess {
    let pid: pid_t
    let stdoutFD: Int32
    let stderrFD: Int32
    let requestFD: Int32
    let answerFD: Int32
    private(set) var waitStatus: Int32?

    /// Starts `arguments[0]` (an absolute path) with exactly `environment`.
    init(arguments: [String], environment: [String: String]) throws(GLMError) {
        guard let program = arguments.first, program.hasPrefix("/") else {
            throw GLMError(.badValue, "internal: a child program needs an absolute path")
        }
        var pipes: [(read: Int32, write: Int32)] = []
        func closeAll() {
            for pipe in pipes {
                close(pipe.read)
                close(pipe.write)
            }
        }
        for _ in 0..<4 {
            // A socket pair rather than a pipe: it is made close-on-exec at once, so no other
            // program started meanwhile inherits an end (which would hide the end of the stream).
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                let reason = String(cString: strerror(errno))
                closeAll()
                throw GLMError(.io, "cannot make a pipe for the interpreter: \(reason)")
            }
            // Above fd 10, so moving the child's ends onto fds 1...4 never overwrites another source.
            let read = fcntl(ends[0], F_DUPFD_CLOEXEC, 10)
            let write = fcntl(ends[1], F_DUPFD_CLOEXEC, 10)
            close(ends[0])
            close(ends[1])
            pipes.append((read, write))
        }
        // The child's ends: stdout and stderr write, requests read, answers write.
        let childEnds: [(fd: Int32, target: Int32)] = [(pipes[0].write, 1), (pipes[1].write, 2),
                                                       (pipes[2].read, 3), (pipes[3].write, 4)]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for end in childEnds {
            posix_spawn_file_actions_adddup2(&actions, end.fd, end.target)
        }
        // Nothing else may pass into the sandbox, nor keep another program's pipe open (a
        // descriptor some other part of glmchat opened without close-on-exec).
        SpawnCloser.closeFrom(5, in: &actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGHUP, SIGQUIT] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, program, &actions, &attributes, argv, envp)
        for end in childEnds { close(end.fd) }
        guard result == 0 else {
            for (index, pipe) in pipes.enumerated() { close(index == 2 ? pipe.write : pipe.read) }
            throw GLMError(.io, path: program, "cannot start: \(String(cString: strerror(result)))")
        }
        pid = child
        stdoutFD = pipes[0].read
        stderrFD = pipes[1].read
        requestFD = pipes[2].write
        answerFD = pipes[3].read
        for fd in [stdoutFD, stderrFD, answerFD] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// Writes all of `bytes` to the request pipe; false when the child stopped reading.
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(requestFD, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// SIGKILL to the child's process group (with bubblewrap: the sandbox's monitor; its death kills
    /// the sandbox's pid namespace, every process in it).
    func kill() {
        guard waitStatus == nil else { return }
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// Reaps the child; with `block` false only when it has exited. Returns its wait status.
    @discardableResult
    func reap(block: Bool) -> Int32? {
        if let waitStatus { return waitStatus }
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == pid {
                waitStatus = status
                return status
            }
            if result == -1, errno == EINTR { continue }
            return nil
        }
    }

    /// Kills, reaps and closes every pipe.
    func terminate() {
        kill()
        reap(block: true)
        closePipes()
    }

    private var closed = false

    func closePipes() {
        guard !closed else { return }
        closed = true
        for fd in [stdoutFD, stderrFD, requestFD, answerFD] { close(fd) }
    }

    deinit {
        if waitStatus == nil {
            kill()
            reap(block: true)
        }
        closePipes()
    }
}

/// A wait status in words: "exit status 3", "signal SIGSEGV (segmentation fault)".
enum ExitDescription {
    static func describe(_ status: Int32, sandboxed: Bool) -> String {
        // bubblewrap passes a child's death by signal on as exit status 128 + the signal.
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        if exited, sandboxed, code > 128, code < 128 + 65 { return signalName(code - 128) }
        if exited { return "exit status \(code)" }
        return signalName(status & 0x7f)
    }

    static func signalName(_ number: Int32) -> String {
        let names: [Int32: String] = [SIGABRT: "SIGABRT, aborted", SIGSEGV: "SIGSEGV, segmentation fault",
                                      SIGKILL: "SIGKILL", SIGXCPU: "SIGXCPU, the CPU time limit",
                                      SIGBUS: "SIGBUS, bus error", SIGFPE: "SIGFPE, arithmetic error",
                                      SIGILL: "SIGILL, illegal instruction", SIGTERM: "SIGTERM"]
        return "signal " + (names[number] ?? String(number))
    }
}

/// Closing every descriptor from a number up in the child of `posix_spawn`: glibc's
/// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later, looked up at run time because Swift
/// does not import it), else one close action for each descriptor open now.
enum SpawnCloser {
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    private static let closeFromFunction: CloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    static func closeFrom(_ lowest: Int32, in actions: inout posix_spawn_file_actions_t) {
        if let closeFrom = closeFromFunction, closeFrom(&actions, lowest) == 0 { return }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for name in open {
            if let fd = Int32(name), fd >= lowest { posix_spawn_file_actions_addclose(&actions, fd) }
        }
    }
}
