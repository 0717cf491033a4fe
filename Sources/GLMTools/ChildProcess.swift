import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended and what it wrote (each stream kept up to a bound).
struct ChildOutcome: Sendable {
    enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    var ending: Ending
    var stdout: [UInt8]
    var stderr: [UInt8]
    /// Bytes written past the bound (not kept).
    var stdoutDropped: Int
    var stderrDropped: Int
    /// The time limit ran out and the process group was killed.
    var timedOut: Bool
}

/// Runs a command in a process group of its own: bytes to its stdin, its stdout and stderr read
/// (bounded), a time limit, and cancellation. On timeout, cancellation or its end the whole group is
/// killed, so children it left behind do not outlive the call.
enum ChildProcess {
    /// Starts `command` (the first element is looked up in PATH) and waits for it.
    static func run(_ command: [String], input: [UInt8], timeout: Duration, outputLimit: Int,
                    environment: [String: String]? = nil) async throws -> ChildOutcome {
        let child = try SpawnedChild(command, environment: environment)
        let collector = OutputCollector(limit: outputLimit)
        child.startIO(input: input, collector: collector)
        let ended: ChildOutcome.Ending = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: ChildOutcome.Ending?.self) { group in
                group.addTask { await child.waitForExit() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { return .signaled(SIGKILL) }
                if let ending = first { return ending }
                // The time limit ran out first.
                collector.markTimedOut()
                child.killGroup()
                return await child.waitForExit()
            }
        } onCancel: {
            child.killGroup()
        }
        child.killGroup()    // whatever it left running
        await collector.waitForEnd()
        if Task.isCancelled { throw CancellationError() }
        return collector.outcome(ended)
    }

    /// Ignoring SIGPIPE makes a write to a closed pipe an error instead of the end of glmchat.
    static let ignoreBrokenPipes: Bool = {
        _ = signal(SIGPIPE, SIG_IGN)
        return true
    }()
}

/// A spawned child and its pipes.
final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    let stdinFD: Int32
    let stdoutFD: Int32
    let stderrFD: Int32
    private let lock = NSLock()
    private var exit: ChildOutcome.Ending?
    private var waiters: [CheckedContinuation<ChildOutcome.Ending, Never>] = []
    private var reaped = false

    init(_ command: [String], environment: [String: String]?) throws {
        _ = ChildProcess.ignoreBrokenPipes
        guard let program = command.first, !program.isEmpty else { throw ToolRefusal("the tool has an empty command") }
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw ToolRefusal("cannot make a pipe: \(String(cString: strerror(errno)))") }
            // Only the child's copies (dup2'd to 0, 1, 2) survive exec.
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            pipes.append(fds)
        }
        func closeAll() { for pair in pipes { close(pair[0]); close(pair[1]) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0)
        posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let arguments = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in variables { free(variable) } }
        var spawned: pid_t = 0
        let status = posix_spawnp(&spawned, program, &actions, &attributes, arguments, variables)
        guard status == 0 else {
            closeAll()
            throw ToolRefusal("cannot start `\(program)`: \(String(cString: strerror(status)))")
        }
        pid = spawned
        close(pipes[0][0])
        close(pipes[1][1])
        close(pipes[2][1])
        stdinFD = pipes[0][1]
        stdoutFD = pipes[1][0]
        stderrFD = pipes[2][0]
        Thread.detachNewThread { [self] in reap() }
    }

    /// Writes the input (then closes stdin) and reads both outputs, each on a thread of its own.
    func startIO(input: [UInt8], collector: OutputCollector) {
        let stdinFD = stdinFD, stdoutFD = stdoutFD, stderrFD = stderrFD
        Thread.detachNewThread {
            var offset = 0
            while offset < input.count {
                let written = input[offset...].withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
            close(stdinFD)
        }
        for (fd, isStdout) in [(stdoutFD, true), (stderrFD, false)] {
            collector.begin()
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    collector.add(buffer[0..<count], toStdout: isStdout)
                }
                close(fd)
                collector.end()
            }
        }
    }

    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        let ending: ChildOutcome.Ending
        if result < 0 {
            ending = .exited(-1)
        } else if status & 0x7f == 0 {
            ending = .exited((status >> 8) & 0xff)
        } else {
            ending = .signaled(status & 0x7f)
        }
        let pending = lock.withLock {
            exit = ending
            reaped = true
            let pending = waiters
            waiters = []
            return pending
        }
        // The group may hold children that keep the pipes open; they go with it.
        kill(-pid, SIGKILL)
        for waiter in pending { waiter.resume(returning: ending) }
    }

    func waitForExit() async -> ChildOutcome.Ending {
        await withCheckedContinuation { continuation in
            let ready: ChildOutcome.Ending? = lock.withLock {
                if let exit { return exit }
                waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// SIGKILL to the whole process group (the child was made its leader).
    func killGroup() {
        kill(-pid, SIGKILL)
        let done = lock.withLock { reaped }
        if !done { kill(pid, SIGKILL) }
    }
}

/// The output of both streams, bounded, and when both reached their end.
final class OutputCollector: @unchecked Sendable {
    private let limit: Int
    private let lock = NSLock()
    private var stdout: [UInt8] = []
    private var stderr: [UInt8] = []
    private var stdoutDropped = 0
    private var stderrDropped = 0
    private var open = 0
    private var timedOut = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = limit
    }

    func begin() { lock.withLock { open += 1 } }

    func add(_ bytes: ArraySlice<UInt8>, toStdout: Bool) {
        lock.withLock {
            if toStdout {
                let room = max(0, limit - stdout.count)
                stdout += bytes.prefix(room)
                stdoutDropped += max(0, bytes.count - room)
            } else {
                let room = max(0, limit - stderr.count)
                stderr += bytes.prefix(room)
                stderrDropped += max(0, bytes.count - room)
            }
        }
    }

    func end() {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            open -= 1
            guard open == 0 else { return [] }
            let ready = waiters
            waiters = []
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    func markTimedOut() { lock.withLock { timedOut = true } }

    func waitForEnd() async {
        await withCheckedContinuation { continuation in
            let done = lock.withLock {
                if open == 0 { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    func outcome(_ ending: ChildOutcome.Ending) -> ChildOutcome {
        lock.withLock {
            ChildOutcome(ending: ending, stdout: stdout, stderr: stderr, stdoutDropped: stdoutDropped,
                         stderrDropped: stderrDropped, timedOut: timedOut)
        }
    }
}
