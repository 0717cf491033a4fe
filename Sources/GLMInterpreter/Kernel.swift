import Foundation
import GLMConversation
#if canImport(Glibc)
import Glibc
#endif

/// One running Python (with its driver), sandboxed or not, and the blocks it runs. Used only on
/// the session's worker thread.
final class Kernel {
    let child: ChildProcess
    let sandboxed: Bool
    let version: String
    private var answers = DriverFrameReader()

    /// Starts the process and waits (at most `startTimeout` seconds) for the driver's hello; a
    /// sandbox that cannot start is an error with bubblewrap's own words.
    init(arguments: [String], environment: [String: String], sandboxed: Bool, startTimeout: Double) throws(GLMError) {
        child = try ChildProcess(arguments: arguments, environment: environment)
        self.sandboxed = sandboxed
        var errors = OutputCapture(keep: 4000)
        var stdout = OutputCapture(keep: 4000)
        let deadline = Monotonic.now() + startTimeout
        var version: String?
        var open = [child.answerFD, child.stderrFD, child.stdoutFD]
        while version == nil, open.contains(child.answerFD) {
            let remaining = deadline - Monotonic.now()
            guard remaining > 0 else { break }
            for fd in Poller.wait(open, timeout: remaining) {
                guard let bytes = Poller.read(fd) else {
                    open.removeAll { $0 == fd }
                    continue
                }
                if fd == child.stderrFD { errors.append(bytes) }
                if fd == child.stdoutFD { stdout.append(bytes) }
                if fd == child.answerFD {
                    answers.append(bytes)
                    do {
                        if let value = try answers.next(), case .ready(let text) = try DriverAnswer(value) {
                            version = text
                        }
                    } catch {
                        child.terminate()
                        throw error
                    }
                }
            }
        }
        guard let version else {
            child.terminate()
            // Collect what the sandbox said on its way out.
            while let bytes = Poller.read(child.stderrFD, blocking: false), !bytes.isEmpty { errors.append(bytes) }
            let said = (stdout.text + errors.text).trimmingCharacters(in: .whitespacesAndNewlines)
            let how = child.waitStatus.map { ExitDescription.describe($0, sandboxed: sandboxed) } ?? "no answer"
            throw GLMError(.io, (sandboxed ? "the sandbox (bubblewrap) could not start Python" : "Python could not start")
                           + " (\(how))" + (said.isEmpty ? "" : ": \(said)"))
        }
        self.version = version
    }

    /// How a block ended, before the session turns it into a result.
    struct BlockEnd {
        enum Kind { case answered(DriverAnswer.Status), timedOut, died(String), cancelledAndKilled }
        var kind: Kind
        var traceback: String?
        var stdout: OutputCapture
        var stderr: OutputCapture
    }

    /// Runs one block. `wakeFD` becomes readable when the user cancels (`cancelled()` then says so):
    /// the driver gets an interrupt, and when the block has not ended `cancelGrace` seconds later,
    /// the process is killed. After `timeout` seconds the process is killed. The grace was 0.3 s, and
    /// with both cores busy an interrupted block's answer came later now and then: Python was killed
    /// and its variables lost, where waiting a little longer keeps them.
    func run(_ code: String, timeout: Double, captureBytes: Int, wakeFD: Int32, cancelled: () -> Bool,
             cancelGrace: Double = 1) -> BlockEnd {
        let marker = "glmchat-end-" + UUID().uuidString
        var stdout = OutputCapture(keep: captureBytes)
        var stderr = OutputCapture(keep: captureBytes)
        var outScan = MarkerScanner(marker: Array(marker.utf8))
        var errScan = MarkerScanner(marker: Array(marker.utf8))
        let request = JSONValue.object([("op", .string("run")), ("code", .string(code)), ("marker", .string(marker))])
        guard child.send(DriverFrameReader.encode(request)) else {
            return finishDead(stdout: &stdout, stderr: &stderr, outScan: &outScan, errScan: &errScan)
        }
        var deadline = Monotonic.now() + timeout
        var killAt: Double?
        var answer: (DriverAnswer.Status, String?)?
        var answerDrainDeadline: Double?
        var outOpen = true, errOpen = true
        while true {
            if let answer, outScan.found || !outOpen, errScan.found || !errOpen {
                return BlockEnd(kind: .answered(answer.0), traceback: answer.1, stdout: stdout, stderr: stderr)
            }
            let now = Monotonic.now()
            if let drain = answerDrainDeadline, now >= drain, let answer {
                // The driver answered but a marker never came (the block closed its stdout, say).
                return BlockEnd(kind: .answered(answer.0), traceback: answer.1, stdout: stdout, stderr: stderr)
            }
            if let killAt, now >= killAt {
                child.kill()
                var end = finishDead(stdout: &stdout, stderr: &stderr, outScan: &outScan, errScan: &errScan)
                end.kind = .cancelledAndKilled
                return end
            }
            if now >= deadline {
                child.kill()
                var end = finishDead(stdout: &stdout, stderr: &stderr, outScan: &outScan, errScan: &errScan)
                end.kind = .timedOut
                return end
            }
            var wakeAt = deadline
            if let killAt { wakeAt = min(wakeAt, killAt) }
            if let answerDrainDeadline { wakeAt = min(wakeAt, answerDrainDeadline) }
            var watched = [child.answerFD, wakeFD]
            if outOpen { watched.append(child.stdoutFD) }
            if errOpen { watched.append(child.stderrFD) }
            for fd in Poller.wait(watched, timeout: max(wakeAt - now, 0)) {
                switch fd {
                case wakeFD:
                    Poller.drain(wakeFD)
                    if cancelled(), killAt == nil, answer == nil {
                        _ = child.send(DriverFrameReader.encode(.object([("op", .string("interrupt"))])))
                        killAt = Monotonic.now() + cancelGrace
                    }
                case child.stdoutFD:
                    if let bytes = Poller.read(fd) { stdout.append(outScan.feed(bytes)) } else { outOpen = false }
                case child.stderrFD:
                    if let bytes = Poller.read(fd) { stderr.append(errScan.feed(bytes)) } else { errOpen = false }
                default:
                    guard let bytes = Poller.read(fd) else {
                        // The driver is gone without answering: Python died.
                        return finishDead(stdout: &stdout, stderr: &stderr, outScan: &outScan, errScan: &errScan)
                    }
                    answers.append(bytes)
                    do {
                        if let value = try answers.next(), case .finished(let status, let traceback) = try DriverAnswer(value) {
                            answer = (status, traceback)
                            answerDrainDeadline = Monotonic.now() + 2
                            deadline = .infinity
                        }
                    } catch {
                        child.kill()
                        var end = finishDead(stdout: &stdout, stderr: &stderr, outScan: &outScan, errScan: &errScan)
                        end.kind = .died("\(error)")
                        return end
                    }
                }
            }
        }
    }

    /// After the process died or was killed: the rest of its output (until the pipes close, at
    /// most a second), and how it ended.
    private func finishDead(stdout: inout OutputCapture, stderr: inout OutputCapture,
                            outScan: inout MarkerScanner, errScan: inout MarkerScanner) -> BlockEnd {
        let until = Monotonic.now() + 1
        var open = [child.stdoutFD, child.stderrFD]
        while !open.isEmpty, Monotonic.now() < until {
            for fd in Poller.wait(open, timeout: until - Monotonic.now()) {
                guard let bytes = Poller.read(fd) else {
                    open.removeAll { $0 == fd }
                    continue
                }
                if fd == child.stdoutFD { stdout.append(outScan.feed(bytes)) } else { stderr.append(errScan.feed(bytes)) }
            }
        }
        stdout.append(outScan.finish())
        stderr.append(errScan.finish())
        child.kill()
        let status = child.reap(block: true)
        child.closePipes()
        let how = status.map { ExitDescription.describe($0, sandboxed: sandboxed) } ?? "unknown"
        return BlockEnd(kind: .died(how), traceback: nil, stdout: stdout, stderr: stderr)
    }

    func shutdown() {
        child.terminate()
    }
}

/// poll(2) and non-blocking reads.
enum Poller {
    /// The fds of `fds` that are readable (or closed) within `timeout` seconds.
    static func wait(_ fds: [Int32], timeout: Double) -> [Int32] {
        var entries = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let milliseconds = timeout.isFinite ? Int32(min(max(timeout * 1000, 0), 60_000).rounded(.up)) : 60_000
        let count = poll(&entries, nfds_t(entries.count), milliseconds)
        guard count > 0 else { return [] }
        return entries.filter { $0.revents != 0 }.map(\.fd)
    }

    /// What one read returns: bytes, an empty array when nothing is there yet, nil at the end.
    static func read(_ fd: Int32, blocking: Bool = true) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return Array(buffer[0..<count]) }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return [] }
            return nil
        }
    }

    static func drain(_ fd: Int32) {
        while let bytes = read(fd), !bytes.isEmpty {}
    }
}

/// Seconds on the monotonic clock (never the wall clock).
enum Monotonic {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
