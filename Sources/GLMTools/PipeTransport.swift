import Foundation
import Logging
import MCP
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP's stdio transport over the pipes of a server glmchat started: newline-delimited JSON-RPC
/// messages. Reading and writing happen on threads of their own, so a slow or stuck server never
/// blocks Swift's concurrency pool. The server closing its stdout ends the stream with an error.
actor PipeTransport: Transport {
    nonisolated let logger = Logger(label: "glmchat.mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    private let readFD: Int32
    private let writeFD: Int32
    private let serverName: String
    private let stream: AsyncThrowingStream<Data, Swift.Error>
    private let continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation
    private var started = false
    private var closed = false
    /// The longest message line read (a server sending more is cut off).
    static let maximumLineBytes = 16 * 1024 * 1024

    init(readFD: Int32, writeFD: Int32, serverName: String) {
        self.readFD = readFD
        self.writeFD = writeFD
        self.serverName = serverName
        let made = AsyncThrowingStream<Data, Swift.Error>.makeStream()
        stream = made.stream
        continuation = made.continuation
    }

    func connect() async throws {
        guard !started else { return }
        started = true
        let fd = readFD, continuation = continuation, name = serverName
        Thread.detachNewThread {
            Self.readLines(fd: fd, name: name, continuation: continuation)
        }
    }

    private static func readLines(fd: Int32, name: String, continuation: AsyncThrowingStream<Data, Swift.Error>.Continuation) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            pending += buffer[0..<count]
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[..<newline]
                if !line.isEmpty { continuation.yield(Data(line)) }
                pending.removeSubrange(...newline)
            }
            if pending.count > maximumLineBytes {
                continuation.finish(throwing: ToolRefusal("MCP server \(name) sent a message longer than \(maximumLineBytes) bytes"))
                close(fd)
                return
            }
        }
        close(fd)
        continuation.finish(throwing: ToolRefusal("MCP server \(name) closed its output"))
    }

    func disconnect() async {
        guard !closed else { return }
        closed = true
        close(writeFD)
        continuation.finish()
    }

    func send(_ data: Data) async throws {
        guard !closed else { throw ToolRefusal("MCP server \(serverName) is not connected") }
        let bytes = Array(data) + [0x0A]
        let fd = writeFD
        let written: Bool = await withCheckedContinuation { done in
            Thread.detachNewThread {
                var offset = 0
                while offset < bytes.count {
                    let count = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    offset += count
                }
                done.resume(returning: offset == bytes.count)
            }
        }
        guard written else { throw ToolRefusal("MCP server \(serverName) stopped reading (it may have exited)") }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, Swift.Error> { stream }
}
