import Foundation
import GLMConversation
import GLMEngine
#if canImport(Glibc)
import Glibc
#endif
import MCP

/// An `[[mcp_servers]]` entry of config.toml: a server glmchat starts and talks to over stdio.
public struct MCPServerSpec: Sendable, Equatable {
    public var name: String
    /// The program and its arguments (no shell).
    public var command: [String]
    /// Seconds one call (and the start, listing included) may take.
    public var timeout: Double
    /// Its tools run without asking for approval.
    public var auto: Bool

    public static let defaultTimeout = 60.0

    public init(name: String, command: [String], timeout: Double = MCPServerSpec.defaultTimeout, auto: Bool = false) {
        self.name = name
        self.command = command
        self.timeout = timeout
        self.auto = auto
    }
}

/// The tools of one MCP server, through the official Swift SDK. The server is started on first use;
/// one that fails to start, answers wrongly or dies is reported by its name (and the end of what it
/// wrote to stderr) and the next listing starts it again; calls in flight when it dies end with an
/// error result.
public final class MCPToolSource: ToolSource, @unchecked Sendable {
    public let spec: MCPServerSpec
    public var name: String { spec.name }
    private let connection: MCPConnection

    public init(spec: MCPServerSpec) {
        self.spec = spec
        connection = MCPConnection(spec: spec)
    }

    public func tools() async throws -> [ToolDefinition] {
        let listed = try await connection.listTools()
        return listed.map { tool in
            ToolDefinition(name: tool.name, description: tool.description ?? "",
                           parameters: MCPValues.json(tool.inputSchema), runsWithoutApproval: spec.auto)
        }
    }

    public func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult {
        let (content, isError) = try await connection.callTool(tool, arguments: MCPValues.arguments(arguments))
        return ToolResult(text: MCPValues.text(of: content), isError: isError)
    }

    public func shutdown() async {
        await connection.stop()
    }
}

/// The running server: its process, the SDK's client, and what became of it.
actor MCPConnection {
    private let spec: MCPServerSpec
    private var client: Client?
    private var child: SpawnedChild?
    private var stderrTail: StderrTail?
    /// Why the last server process is gone (nil while it runs or before the first start).
    private var ended: String?
    private var generation = 0
    /// Set by `stop()` for good: a listing still under way (the actor lets it in while it waits)
    /// must not start the server again after the app has shut its tools down.
    private var stopped = false

    init(spec: MCPServerSpec) {
        self.spec = spec
    }

    func listTools() async throws -> [Tool] {
        let client = try await running(restart: true)
        var tools: [Tool] = []
        var cursor: String?
        repeat {
            let after = cursor
            let page = try await bounded("listing its tools") { try await client.listTools(cursor: after) }
            tools += page.tools
            cursor = page.nextCursor
        } while cursor != nil && tools.count < 10_000
        return tools
    }

    func callTool(_ name: String, arguments: [String: Value]) async throws -> ([Tool.Content], Bool) {
        let client = try await running(restart: false)
        let result = try await bounded("calling \(name)") { () async throws -> (content: [Tool.Content], isError: Bool?) in
            try await client.callTool(name: name, arguments: arguments)
        }
        return (result.content, result.isError ?? false)
    }

    func stop() async {
        stopped = true
        if let client { await client.disconnect() }
        child?.killGroup()
        client = nil
        child = nil
        ended = "stopped"
    }

    /// The client of a running server; starts one when there is none (after a death only when
    /// listing, so a call never silently runs on a fresh server that lost its state).
    private func running(restart: Bool) async throws -> Client {
        if stopped { throw ToolRefusal("MCP server \(spec.name) was stopped") }
        if let client { return client }
        if let ended, !restart { throw ToolRefusal("MCP server \(spec.name) is not running (\(ended))") }
        return try await start()
    }

    /// What a failed start says: the refusal's text without the server's name repeated.
    private func reason(_ error: any Error) -> String {
        let text = "\(error)"
        let prefix = "MCP server \(spec.name) "
        return text.hasBytePrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }

    private func start() async throws -> Client {
        let child = try SpawnedChild(spec.command, environment: nil)
        generation += 1
        let current = generation
        let tail = StderrTail(fd: child.stderrFD)
        let transport = PipeTransport(readFD: child.stdoutFD, writeFD: child.stdinFD, serverName: spec.name)
        let client = Client(name: "glmchat", version: "1")
        self.child = child
        self.client = client
        stderrTail = tail
        ended = nil
        Task { [weak self] in
            let ending = await child.waitForExit()
            await self?.died(generation: current, ending: ending)
        }
        do {
            _ = try await bounded("starting") { try await client.connect(transport: transport) }
        } catch {
            await client.disconnect()
            child.killGroup()
            if self.client === client { self.client = nil }
            throw ToolRefusal("MCP server \(spec.name) did not start: \(reason(error))")
        }
        if stopped {      // stop() came while it was connecting: its child must not outlive it
            await client.disconnect()
            child.killGroup()
            throw ToolRefusal("MCP server \(spec.name) was stopped")
        }
        return client
    }

    private func died(generation: Int, ending: ChildOutcome.Ending) async {
        guard generation == self.generation, ended == nil else { return }
        ended = describe(ending)
        let dead = client
        client = nil
        child = nil
        await dead?.disconnect()
    }

    /// "exited with status 3: <the end of its stderr>".
    private func describe(_ ending: ChildOutcome.Ending) -> String {
        let how: String
        switch ending {
        case .exited(let status): how = "exited with status \(status)"
        case .signaled(let signal): how = "was killed by signal \(signal)"
        }
        let said = stderrTail?.text ?? ""
        return how + (said.isEmpty ? "" : ": " + said)
    }

    /// `body` within the server's time limit; a timeout, a failure or the server's death becomes an
    /// error naming the server and what it was doing.
    private func bounded<T: Sendable>(_ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let seconds = spec.timeout
        let serving = child
        do {
            return try await Deadline.run(seconds: seconds, body)
        } catch is Deadline.Expired {
            throw ToolRefusal("MCP server \(spec.name) did not answer within \(formatSeconds(seconds)) s while \(what)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // A failure is most often the server going away: wait briefly for its end to name it.
            if let serving, let ending = try? await Deadline.run(seconds: 2, { await serving.waitForExit() }) {
                if let tail = stderrTail { _ = try? await Deadline.run(seconds: 1) { await tail.waitUntilClosed() } }
                throw ToolRefusal("MCP server \(spec.name) \(describe(ending)) while \(what)")
            }
            throw ToolRefusal("MCP server \(spec.name) failed while \(what): \(error)")
        }
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}

/// The last bytes a server wrote to stderr, read on a thread of its own (so the pipe never fills).
final class StderrTail: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var closed = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    static let keep = 2000

    init(fd: Int32) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                lock.withLock {
                    bytes += buffer[0..<count]
                    if bytes.count > Self.keep { bytes.removeFirst(bytes.count - Self.keep) }
                }
            }
            close(fd)
            let waiting = lock.withLock {
                closed = true
                let waiting = waiters
                waiters = []
                return waiting
            }
            for waiter in waiting { waiter.resume() }
        }
    }

    /// Returns once the server's stderr reached its end (it exited, and its children too).
    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock {
                if closed { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    var text: String { ToolCallParser.trimmed(String(decoding: lock.withLock { bytes }, as: UTF8.self)) }
}
