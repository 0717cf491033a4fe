import Foundation
import GLMConversation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The code interpreter of one chat session: one Python process that keeps its variables between
/// blocks, inside bubblewrap (no network, read-only system, the session's folder writable at
/// `/mnt/data`, a private /tmp, limits on CPU time, memory, wall time and output).
///
/// `init` checks that the sandbox can be made (bubblewrap present, the Python resolved) and throws
/// a `GLMError` that says how to fix it; Python itself starts with `start()` or the first block.
/// Blocks run one after the other on the session's own thread; `cancel()` stops the running one
/// from any thread within half a second; `shutdown()` ends Python.
public final class InterpreterSession: Sendable {
    public let settings: InterpreterSettings
    /// The folder mounted at `/mnt/data`.
    public let folder: URL
    /// The Python that runs the blocks and its version.
    public var pythonExecutable: String { python.executable }
    public var pythonVersion: String { python.version }
    /// False only with `unsandboxed = true`.
    public var isSandboxed: Bool { layout != nil }

    let python: ResolvedPython
    let layout: SandboxLayout?
    private let worker: InterpreterWorker
    private let control: Mutex<Control>
    /// The cancel pipe: `cancel()` writes a byte to wake the worker's poll.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private struct Control {
        var cancelGeneration = 0
        var shutDown = false
    }

    /// - Parameters:
    ///   - folder: the session's folder (created when missing), mounted at `/mnt/data`.
    ///   - environment: where PATH is looked up for bubblewrap and the Python.
    public init(settings: InterpreterSettings, folder: URL,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(GLMError) {
        self.settings = settings
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw GLMError(.io, path: folder.path, "cannot make the interpreter's folder: \(error.localizedDescription)")
        }
        self.folder = folder.standardizedFileURL.resolvingSymlinksInPath()
        if settings.unsandboxed {
            layout = nil
            python = try ResolvedPython.resolve(settings.python, environment: environment)
        } else {
            guard let bwrap = ExecutableSearch.find("bwrap", environment: environment) else {
                throw GLMError(.fileNotFound, SandboxLayout.missingMessage)
            }
            python = try ResolvedPython.resolve(settings.python, environment: environment)
            layout = SandboxLayout(bwrap: bwrap, python: python, folder: self.folder.path,
                                   tmpfsSizeSupported: SandboxLayout.supportsTmpfsSize(bwrap))
        }
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue),
                         0, &ends) == 0 else {
            throw GLMError(.io, "cannot make the interpreter's cancel pipe: \(String(cString: strerror(errno)))")
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        control = Mutex(Control())
        worker = InterpreterWorker()
    }

    deinit {
        shutdown()
        worker.stop()
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts Python now (else the first block does): an error says why the sandbox cannot start.
    public func start() async throws(GLMError) {
        let outcome: Result<Void, GLMError> = await worker.perform { state in
            do {
                _ = try self.kernel(in: state)
                return .success(())
            } catch let error as GLMError {
                return .failure(error)
            } catch {
                return .failure(GLMError(.io, "\(error)"))
            }
        }
        try outcome.get()
    }

    /// Runs one block of Python and returns its result; the observation the model gets is
    /// `result.observation`. Cancelling the calling task cancels the block, as `cancel()` does.
    public func run(_ code: String) async -> InterpreterResult {
        let generation = control.withLock { $0.cancelGeneration }
        return await withTaskCancellationHandler {
            await worker.perform { state in self.runOnWorker(code, generation: generation, state: state) }
        } onCancel: {
            self.cancel()
        }
    }

    /// Stops the running block (and blocks waiting to run): Python gets a KeyboardInterrupt, and is
    /// killed when the block has not ended 0.3 s later. Safe from any thread; returns at once.
    public func cancel() {
        control.withLock { $0.cancelGeneration += 1 }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Ends Python (variables are lost; the folder stays). A later block starts a fresh process.
    public func shutdown() {
        cancel()
        worker.submit { state in
            state.kernel?.shutdown()
            state.kernel = nil
        }
    }

    /// Says that this session's variables were lost before this Python (an earlier one of the same
    /// session was ended, say to keep few running): the next block's result starts with the restart
    /// notice, as after a crash.
    public func noteStateLost() {
        worker.submit { state in state.lostState = true }
    }

    /// Copies a file into the folder; `announcement` is the text for the next user message.
    public func upload(_ path: String) throws(GLMError) -> UploadedFile {
        try InterpreterFolder.upload(path, into: folder)
    }

    // MARK: On the worker thread

    private func kernel(in state: InterpreterWorker.State) throws(GLMError) -> Kernel {
        if let kernel = state.kernel { return kernel }
        let dataFolder = layout == nil ? folder.path : InterpreterFolder.mountPoint
        var environment = SandboxEnvironment.variables(settings: settings, python: python, dataFolder: dataFolder)
        let command = [python.executable, "-c", DriverScript.source]
        let arguments: [String]
        if let layout {
            arguments = [layout.bwrap] + layout.arguments(command: command)
        } else {
            let scratch = NSTemporaryDirectory() + "glmchat-interpreter-\(getuid())"
            environment["HOME"] = scratch
            environment["TMPDIR"] = scratch
            environment["MPLCONFIGDIR"] = scratch + "/matplotlib"
            try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            arguments = command
        }
        let kernel = try Kernel(arguments: arguments, environment: environment, sandboxed: layout != nil,
                                startTimeout: max(settings.timeoutSeconds, 20))
        state.kernel = kernel
        return kernel
    }

    private func runOnWorker(_ code: String, generation: Int, state: InterpreterWorker.State) -> InterpreterResult {
        let restarted = state.lostState
        func result(_ outcome: InterpreterResult.Outcome, _ end: Kernel.BlockEnd?, files: [String] = [],
                    lost: Bool) -> InterpreterResult {
            state.lostState = lost
            let cut = (end?.stdout.droppedBytes ?? 0) + (end?.stderr.droppedBytes ?? 0)
            return InterpreterResult(outcome: outcome, stdout: end?.stdout.text ?? "", stderr: end?.stderr.text ?? "",
                                     traceback: end?.traceback, files: files, stateLost: lost,
                                     restartedAfterLoss: restarted, unsandboxed: layout == nil,
                                     outputLimit: settings.outputLimit, cutBytes: cut)
        }
        if control.withLock({ $0.cancelGeneration != generation }) {
            return result(.cancelled, nil, lost: restarted)
        }
        let kernel: Kernel
        do {
            kernel = try self.kernel(in: state)
        } catch {
            return result(.failedToStart(error.description), nil, lost: restarted)
        }
        Poller.drain(wakeRead)
        // A cancel that came while Python was starting still counts.
        if control.withLock({ $0.cancelGeneration != generation }) {
            return result(.cancelled, nil, lost: restarted)
        }
        let before = FolderSnapshot(folder)
        let text = layout == nil ? code.replacingOccurrences(of: InterpreterFolder.mountPoint, with: folder.path) : code
        let end = kernel.run(text, timeout: settings.timeoutSeconds, captureBytes: settings.outputLimit * 4,
                             wakeFD: wakeRead,
                             cancelled: { self.control.withLock { $0.cancelGeneration != generation } })
        let files = FolderSnapshot(folder).changed(since: before)
        switch end.kind {
        case .answered(let status):
            let outcome: InterpreterResult.Outcome = switch status {
            case .ok: .finished
            case .error: .exception
            case .interrupted: control.withLock({ $0.cancelGeneration != generation }) ? .cancelled : .exception
            }
            return result(outcome, end, files: files, lost: false)
        case .timedOut:
            state.kernel = nil
            return result(.timedOut(seconds: settings.timeoutSeconds), end, files: files, lost: true)
        case .cancelledAndKilled:
            state.kernel = nil
            return result(.cancelled, end, files: files, lost: true)
        case .died(let how):
            state.kernel = nil
            return result(.crashed(how), end, files: files, lost: true)
        }
    }
}

/// The thread every session's process is started, run and reaped on (bubblewrap's
/// `--die-with-parent` follows the thread that started it), with the jobs waiting for it.
final class InterpreterWorker: Sendable {
    /// What lives on the worker thread only.
    final class State {
        var kernel: Kernel?
        /// The last block lost Python's state; the next one says so.
        var lostState = false
    }

    private let queue = Mutex<[Job]>([])
    private let signal = DispatchSemaphore(value: 0)

    private enum Job {
        case work(@Sendable (State) -> Void)
        case stop
    }

    init() {
        let thread = Thread { [self] in
            let state = State()
            while true {
                signal.wait()
                switch queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                case .work(let job)?: job(state)
                case .stop?: return
                case nil: continue
                }
            }
        }
        thread.name = "glmchat-interpreter"
        thread.start()
    }

    func submit(_ job: @escaping @Sendable (State) -> Void) {
        queue.withLock { $0.append(.work(job)) }
        signal.signal()
    }

    /// Ends the thread after the jobs already queued.
    func stop() {
        queue.withLock { $0.append(.stop) }
        signal.signal()
    }

    func perform<T: Sendable>(_ job: @escaping @Sendable (State) -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit { state in continuation.resume(returning: job(state)) }
        }
    }
}
