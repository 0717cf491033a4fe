import AsyncHTTPClient
import Foundation
import Testing
@testable import GLMEngine
@testable import GLMRemote

#if canImport(Glibc)
import Glibc
#endif

/// A server whose HTTP front end stays up while nothing behind it generates (vLLM stopped with
/// SIGTERM: its engine exits, its API server waits for the connection to close) must not leave an
/// answer generating for ever: once the answer has started, a silence longer than the backend's
/// stall limit ends it as failed, keeping its text.
@Suite struct RemoteStallTests {
    @Test(.timeLimit(.minutes(1))) func aServerThatGoesSilentMidAnswerEndsItKeepingTheText() async throws {
        let server = try SilentAfterOneChunkServer()
        defer { server.stop() }
        let backend = RemoteChatBackend(endpoint: RemoteEndpoint(baseURL: "http://127.0.0.1:\(server.port)/v1", model: "m"),
                                        kind: .chat, apiKey: nil, contextWindow: 2048, stallLimit: .milliseconds(300))
        let events = RemoteReadingTests.Events()
        let conversation = Conversation(messages: [Message(sessionID: .unsaved, role: .user, content: "hi")])
        let (finish, _) = try await backend.reply(to: conversation, settings: ReplySettings(sampling: .greedy, seed: 1),
                                                  onEvent: events.add)
        #expect(events.text == "你好")
        guard case .failed(let reason) = finish else {
            Issue.record("expected a failed answer, got \(finish)")
            return
        }
        #expect(reason.contains("sent nothing for 0.3 s mid-answer"), "\(reason)")
        #expect(reason.contains("the text so far is kept"))
    }

    /// Before its first token a server may be silent for minutes (a long prompt on a CPU): the
    /// client answers come through has no idle limit of its own (AsyncHTTPClient's shared one gives
    /// up after 90 s), and the stall limit counts only once bytes have come.
    @Test func theAnswersClientWaitsForAFirstByteWithoutALimit() {
        #expect(RemoteChatBackend.answerTimeout.read == nil)
    }
}

/// Answers one request with the head of a stream and one chunk of text, then holds the connection
/// open without a byte until stopped.
final class SilentAfterOneChunkServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let release = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GLMError(.io, "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 1) == 0 else {
            close(fd)
            throw GLMError(.io, "bind or listen failed")
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    private func serve() {
        defer { done.signal() }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {   // the head, then the body by its Content-Length
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request += buffer[0..<count]
            let text = String(decoding: request, as: UTF8.self)
            guard let headEnd = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<headEnd.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length { break }
        }
        let event = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"你好\"},\"finish_reason\":null}]}\n\n"
        let chunk = String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk
        _ = Array(response.utf8).withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
        release.wait()
    }

    func stop() {
        release.signal()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        done.wait()
    }
}
