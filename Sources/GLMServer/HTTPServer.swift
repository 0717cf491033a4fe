import Foundation
import GLMEngine
import GLMOpenAI
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A request's context: Hummingbird's, plus the connection (to notice a client that leaves).
struct ServerContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The connection of one request; `onClose` runs when the client goes away (or at once if it has).
struct ChannelWatch: ConnectionWatch {
    let channel: any Channel

    func onClose(_ action: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in action() }
    }
}

/// `glmchat serve`: the OpenAI-compatible API over HTTP/1.1 on Hummingbird.
public enum HTTPServer {
    /// Serves until SIGTERM or SIGINT: then new requests are refused, queued ones get 503, answers being
    /// written get `shutdownGraceSeconds` to finish and are stopped after that, and it returns (at the
    /// latest five seconds after the grace period, when the remaining work is cancelled). `onListening` gets the address (with the port, when 0 asked for any).
    public static func run(_ service: OpenAIService, options: ServerOptions, onListening: @escaping @Sendable (String) -> Void) async throws {
        let router = Router(context: ServerContext.self)
        router.add(middleware: APIMiddleware(service: service, apiKey: options.apiKey))
        router.get("/health") { _, _ -> Response in
            service.isClosing ? try jsonResponse(APIError.shuttingDown().json, status: 503)
                              : try jsonResponse(.object([("status", .string("ok"))]), status: 200)
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: service.metricsText())))
        }
        router.get("/v1/models") { _, _ -> Response in try jsonResponse(service.listModels(), status: 200) }
        router.get("/v1/models/{id}") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            guard case .array(let models) = service.listModels()["data"],
                  let model = models.first(where: { $0["id"]?.stringValue?.isByteEqual(to: id) == true }) else {
                throw APIError.modelNotFound(id, available: service.models.all.map(\.name))
            }
            return try jsonResponse(model, status: 200)
        }
        let limit = options.maxBodyBytes
        router.post("/v1/chat/completions") { request, context -> Response in
            try reply(await service.chatCompletions(try await readJSON(request, limit: limit), connection: ChannelWatch(channel: context.channel)))
        }
        router.post("/v1/completions") { request, context -> Response in
            try reply(await service.completions(try await readJSON(request, limit: limit), connection: ChannelWatch(channel: context.channel)))
        }
        router.post("/tokenize") { request, _ -> Response in
            try jsonResponse(await service.tokenize(try await readJSON(request, limit: limit)), status: 200)
        }
        router.post("/detokenize") { request, _ -> Response in
            try jsonResponse(service.detokenize(try await readJSON(request, limit: limit)), status: 200)
        }

        var logger = Logger(label: "glmchat.serve")
        logger.logLevel = .error
        let host = options.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "glmchat"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                onListening(host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)")
            },
            logger: logger)
        // Services shut down in reverse order: the watcher first (it closes the service and starts the
        // grace period), then the server (stops accepting, waits for the answers being written).
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: ShutdownWatcher(service: service, grace: options.shutdownGraceSeconds))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(options.shutdownGraceSeconds + 5)
        try await ServiceGroup(configuration: configuration).run()
    }

    /// The body as JSON: 413 over the limit, 400 when it is not JSON.
    static func readJSON(_ request: Request, limit: Int) async throws -> JSONValue {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw APIError.tooLarge(limit: limit)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
        do {
            return try JSONValue.parse(bytes: buffer.readableBytesView)
        } catch {
            throw APIError.invalid(nil, "The body is not valid JSON: \(error)")
        }
    }

    static func jsonResponse(_ value: JSONValue, status: Int, headers extra: HTTPFields = [:]) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.pythonDumps())))
    }

    static func reply(_ answer: ServiceReply) throws -> Response {
        switch answer {
        case .json(let value):
            return try jsonResponse(value, status: 200)
        case .events(let frames, let stop):
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                do {
                    for await frame in frames { try await writer.write(ByteBuffer(string: frame)) }
                    try await writer.finish(nil)
                } catch {
                    stop()
                    throw error
                }
            })
        }
    }
}

/// Every request passes here: the API key is checked (in constant time) on everything but `/health`
/// and `/metrics`; errors become the OpenAI error shape with their status (`Retry-After` on 503);
/// each request is counted by endpoint and status.
struct APIMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let service: OpenAIService
    let apiKey: String?

    static let endpoints = ["/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions", "/tokenize", "/detokenize"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let endpoint = Self.endpoints.first { path.isByteEqual(to: $0) } ?? (path.hasBytePrefix("/v1/models/") ? "/v1/models/{id}" : "other")
        let response: Response
        do {
            if let apiKey, !(path.isByteEqual(to: "/health") || path.isByteEqual(to: "/metrics")) {
                let given = request.headers[.authorization].flatMap { value -> String? in
                    value.hasBytePrefix("Bearer ") ? String(value.dropFirst(7)) : nil
                }
                guard let given, Self.keysMatch(given, apiKey) else {
                    throw APIError.unauthorized(given == nil ? "Missing API key: send Authorization: Bearer KEY"
                                                            : "Incorrect API key")
                }
            }
            response = try await next(request, context)
        } catch let error as APIError {
            response = try Self.errorResponse(error)
        } catch let error as HTTPError {
            let apiError = error.status == .notFound ? APIError.notFound(path)
                : APIError(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase, type: "invalid_request_error")
            response = try Self.errorResponse(apiError)
        } catch {
            response = try Self.errorResponse(APIError.server("\(error)"))
        }
        service.metrics.countRequest(endpoint: endpoint, status: Int(response.status.code))
        return response
    }

    static func errorResponse(_ error: APIError) throws -> Response {
        var headers: HTTPFields = [:]
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        return try HTTPServer.jsonResponse(error.json, status: error.status, headers: headers)
    }

    /// Compares in time that depends only on the expected key's length.
    static func keysMatch(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8), b = Array(expected.utf8)
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<b.count { difference |= (index < a.count ? a[index] : 0) ^ b[index] }
        return difference == 0
    }
}

/// The first service to hear of a graceful shutdown (SIGTERM, SIGINT): it closes the OpenAI service
/// (queued requests fail with 503, new ones are refused) and stops the answers still being written
/// once the grace period is over; the HTTP server then stops accepting and drains.
struct ShutdownWatcher: Service {
    let service: OpenAIService
    let grace: Double

    func run() async throws {
        try? await gracefulShutdown()
        service.log("shutting down: no new requests; \(service.activeAnswers) answer(s) get \(grace) s to finish")
        service.beginShutdown()
        let service = self.service
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) {
            if service.activeAnswers > 0 { service.log("stopping \(service.activeAnswers) answer(s)") }
            service.stopAllAnswers()
        }
    }
}
