import AsyncHTTPClient
import GLMOpenAI
import NIOCore
import Synchronization

/// How a streamed answer's body was read: the reader after the last chunk, whether `[DONE]` came,
/// the error that ended the reading early (cancellation included), and whether it was given up
/// because the server went silent mid-answer.
struct StreamRead: Sendable {
    var reader: RemoteReplyReader
    var ended = false
    var failure: (any Error)?
    var stalled = false
}

extension RemoteChatBackend {
    /// Reads the server-sent events of `body` into `reader` while a watchdog checks the time since
    /// the last byte: once the answer has started, `stallLimit` without one cancels the reading.
    /// Before the first byte there is no limit (a server may read a long prompt for minutes).
    static func readStream(_ body: HTTPClientResponse.Body, into reader: RemoteReplyReader, stallLimit: Duration) async -> StreamRead {
        enum Ending: Sendable { case read(StreamRead), stalled, watchdogStopped }
        let lastByte = LastByte()
        return await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                var read = StreamRead(reader: reader)
                var events = ServerSentEventReader()
                do {
                    reading: for try await buffer in body {
                        lastByte.time.withLock { $0 = .now }
                        for data in try events.feed(buffer.readableBytesView) where !read.reader.take(data) {
                            read.ended = true
                            break reading
                        }
                    }
                } catch {
                    read.failure = error
                }
                return .read(read)
            }
            group.addTask {
                while true {
                    do { try await Task.sleep(for: stallLimit / 8) } catch { return .watchdogStopped }
                    if let last = lastByte.time.withLock({ $0 }), ContinuousClock.now - last > stallLimit { return .stalled }
                }
            }
            var result = StreamRead(reader: reader)
            var stalled = false
            for await ending in group {
                switch ending {
                case .read(let read): result = read
                case .stalled: stalled = true
                case .watchdogStopped: break
                }
                group.cancelAll()
            }
            // The watchdog counts only when it ended the reading (a stream that closed in the same
            // moment is read whole).
            result.stalled = stalled && result.failure != nil
            return result
        }
    }
}

/// When the last byte of a stream came (nil: none yet), shared by its reader and its watchdog.
private final class LastByte: Sendable {
    let time = Mutex<ContinuousClock.Instant?>(nil)
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
