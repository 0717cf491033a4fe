import GLMEngine

/// An error in the OpenAI shape, `{"error": {"message", "type", "param", "code"}}`, with its HTTP status.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String
    public var type: String
    /// The request field at fault (`messages[2].content`), when one is.
    public var param: String?
    public var code: String?
    /// Seconds a client should wait before trying again (sent as `Retry-After`).
    public var retryAfterSeconds: Int?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil,
                retryAfterSeconds: Int? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { message }

    public var json: JSONValue {
        .object([("error", .object([
            ("message", .string(message)),
            ("type", .string(type)),
            ("param", param.map(JSONValue.string) ?? .null),
            ("code", code.map(JSONValue.string) ?? .null),
        ]))])
    }

    /// 400: a field is missing, has the wrong type or a value out of range; `param` names it.
    public static func invalid(_ param: String?, _ message: String) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param)
    }

    /// 400: a field the server understands but cannot honour.
    public static func unsupported(_ param: String, _ message: String) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: "unsupported_parameter")
    }

    public static func unauthorized(_ message: String) -> APIError {
        APIError(status: 401, message: message, type: "invalid_request_error", code: "invalid_api_key")
    }

    public static func modelNotFound(_ name: String, available: [String]) -> APIError {
        APIError(status: 404, message: "The model `\(name)` does not exist; this server has: \(available.joined(separator: ", "))",
                 type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    public static func notFound(_ path: String) -> APIError {
        APIError(status: 404, message: "No endpoint \(path)", type: "invalid_request_error", code: "not_found")
    }

    public static func tooLarge(limit: Int) -> APIError {
        APIError(status: 413, message: "The request body is larger than the server's limit of \(limit) bytes",
                 type: "invalid_request_error", code: "request_too_large")
    }

    /// 503 with `Retry-After`: every slot and the queue are taken.
    public static func overloaded(retryAfter: Int) -> APIError {
        APIError(status: 503, message: "The server is busy: every slot and the queue are taken; try again shortly",
                 type: "server_error", code: "server_overloaded", retryAfterSeconds: retryAfter)
    }

    public static func shuttingDown() -> APIError {
        APIError(status: 503, message: "The server is shutting down", type: "server_error", code: "server_shutting_down",
                 retryAfterSeconds: 5)
    }

    /// 400: one prompt alone does not fit the model's window.
    public static func contextLengthExceeded(_ message: String, param: String) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: "context_length_exceeded")
    }

    public static func server(_ message: String) -> APIError {
        APIError(status: 500, message: message, type: "server_error", code: "internal_error")
    }
}
