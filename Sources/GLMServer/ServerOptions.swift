/// How `glmchat serve` listens and admits requests.
public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8000
    /// Requests to the API must send `Authorization: Bearer KEY` (nil: no key).
    public var apiKey: String?
    /// Requests each model works on at once (above 1, their answers decode together).
    public var parallel = 1
    /// Requests that may wait for a slot beyond those; more are refused with 503.
    public var queueLimit = 32
    /// The largest request body read; a larger one gets 413.
    public var maxBodyBytes = 4 * 1024 * 1024
    /// At SIGTERM, answers being written get this long to finish before they are stopped.
    public var shutdownGraceSeconds = 3.0

    public init() {}

    /// Whether the address reaches beyond this machine (so a missing key is worth a warning).
    public var isLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
