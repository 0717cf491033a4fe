import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// What the hub says about one file before it is downloaded (`HEAD .../resolve/{commit}/{path}`).
struct FileMetadata: Equatable, Sendable {
    /// `X-Linked-Etag` (an LFS file's sha256) or else `ETag` (a git file's blob id), unquoted.
    let etag: String?
    /// `X-Linked-Size` or else `Content-Length`.
    let size: Int64?
    /// `X-Repo-Commit`.
    let commit: String?
    /// Where the bytes are: the CDN address the hub redirects to, or the resolve address itself.
    let downloadURL: URL
}

/// The hub's HTTP API as huggingface_hub uses it, over async-http-client. Redirects are handled here,
/// not by the client: a relative one (a renamed repository) is followed, an absolute one (the CDN) is
/// where the bytes are fetched from, without the token.
final class HubClient: Sendable {
    let settings: HubSettings
    private let http: HTTPClient
    private static let userAgent = "glmchat"

    private init(settings: HubSettings) {
        self.settings = settings
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30), read: .seconds(60)),
            decompression: .disabled)
        // One request at a time from one user: a refused connection or an unknown host is reported at
        // once with its reason, rather than retried until the 30-second connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a client and shuts the client down afterwards, whatever happened.
    static func with<T: Sendable>(_ settings: HubSettings, _ body: (HubClient) async throws -> T) async throws -> T {
        let client = HubClient(settings: settings)
        do {
            let result = try await body(client)
            try? await client.http.shutdown()
            return result
        } catch {
            try? await client.http.shutdown()
            throw error
        }
    }

    /// The file list at the head of `main`.
    func listing(of repository: HubRepositoryID) async throws -> RepositoryListing {
        let url = settings.revisionURL(repository)
        let response = try await send(.GET, url: url, follow: .sameSite).response
        guard response.status == .ok else {
            throw error(for: response, url: url, repository: repository, file: nil)
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: 32 << 20) } catch {
            throw HubError.badResponse(url: Self.shown(url), detail: "the file list could not be read (\(error))")
        }
        return try RepositoryListing.decode(Data(body.readableBytesView), repository: repository, url: Self.shown(url))
    }

    /// The file's hash, size and download address at `commit`.
    func metadata(of path: String, in repository: HubRepositoryID, commit: String, available: [String]) async throws -> FileMetadata {
        let url = settings.resolveURL(repository, commit: commit, path: path)
        let answer = try await send(.HEAD, url: url, follow: .sameSite)
        let response = answer.response
        let headers = response.headers
        var downloadURL = answer.url
        switch response.status.code {
        case 200:
            break
        case 301, 302, 303, 307, 308:
            guard let location = headers.first(name: "Location"), let target = URL(string: location, relativeTo: answer.url)?.absoluteURL else {
                throw HubError.badResponse(url: Self.shown(url), detail: "a redirect without a usable Location")
            }
            downloadURL = target
        default:
            throw error(for: response, url: url, repository: repository, file: path, available: available)
        }
        let etag = (headers.first(name: "X-Linked-Etag") ?? headers.first(name: "ETag")).map(Self.unquotedETag)
        let sizeText = headers.first(name: "X-Linked-Size") ?? (response.status == .ok ? headers.first(name: "Content-Length") : nil)
        var size: Int64?
        if let sizeText {
            guard let parsed = Int64(sizeText), parsed >= 0 else {
                throw HubError.badResponse(url: Self.shown(url), detail: "a file size that is not a number: \(sizeText.debugDescription)")
            }
            size = parsed
        }
        return FileMetadata(etag: etag, size: size, commit: headers.first(name: "X-Repo-Commit"), downloadURL: downloadURL)
    }

    /// Starts fetching the bytes from `offset` on (a Range request when `offset > 0`). Whoever calls
    /// this reads the status: 206 continues the `.part` file, 200 starts it again.
    func fetch(_ url: URL, from offset: Int64, repository: HubRepositoryID, file: String) async throws -> HTTPClientResponse {
        var extra: [(String, String)] = []
        if offset > 0 { extra.append(("Range", "bytes=\(offset)-")) }
        // The bytes may be redirected again (CDN to CDN); those redirects are followed, and the token
        // still goes only to the endpoint's host.
        let response = try await send(.GET, url: url.absoluteString, extraHeaders: extra, follow: .all).response
        switch response.status.code {
        case 200, 206, 416: return response
        default: throw error(for: response, url: url.absoluteString, repository: repository, file: file)
        }
    }

    // MARK: - requests

    /// A response and the address that gave it (after same-site redirects).
    struct Answer {
        let response: HTTPClientResponse
        let url: URL
    }

    /// Which redirects `send` follows itself.
    enum Redirects {
        /// Relative ones only (a renamed repository); one to another host (the CDN) is returned.
        case sameSite
        /// All of them.
        case all
    }

    private func send(_ method: HTTPMethod, url: String, extraHeaders: [(String, String)] = [],
                      follow redirects: Redirects) async throws -> Answer {
        var current = url
        for _ in 0..<8 {
            guard let parsed = URL(string: current) else {
                throw HubError.badResponse(url: Self.shown(url), detail: "an address that cannot be parsed")
            }
            var request = HTTPClientRequest(url: current)
            request.method = method
            request.headers.add(name: "User-Agent", value: Self.userAgent)
            request.headers.add(name: "Accept-Encoding", value: "identity")
            if let token = settings.token, settings.mayReceiveToken(parsed) {
                request.headers.add(name: "Authorization", value: token.authorizationValue)
            }
            for (name, value) in extraHeaders { request.headers.add(name: name, value: value) }
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request, timeout: .seconds(60))
            } catch {
                throw HubError.unreachable(url: Self.shown(current), detail: Self.transportDetail(error))
            }
            if [301, 302, 303, 307, 308].contains(response.status.code),
               let location = response.headers.first(name: "Location"),
               redirects == .all || URL(string: location)?.host == nil,
               let next = URL(string: location, relativeTo: parsed)?.absoluteURL {
                current = next.absoluteString
                continue
            }
            return Answer(response: response, url: parsed)
        }
        throw HubError.badResponse(url: Self.shown(url), detail: "too many redirects")
    }

    /// The error for a status that is not success, from the status and the hub's `X-Error-Code`.
    private func error(for response: HTTPClientResponse, url: String, repository: HubRepositoryID, file: String?,
                       available: [String] = []) -> HubError {
        let code = response.headers.first(name: "X-Error-Code")
        let message = response.headers.first(name: "X-Error-Message").map(Self.printable)
        let tokenSent = settings.token != nil && URL(string: url).map(settings.mayReceiveToken) == true
        let status = Int(response.status.code)
        switch (status, code) {
        case (_, "RepoNotFound"):
            return .repositoryNotFound(repository: repository.description, tokenSent: tokenSent)
        case (_, "EntryNotFound"):
            return .fileNotFound(repository: repository.description, file: file ?? "?", available: available)
        case (401, _), (403, _):
            return .accessDenied(repository: repository.description, status: status, tokenSent: tokenSent, hubMessage: message)
        case (404, _):
            if let file { return .fileNotFound(repository: repository.description, file: file, available: available) }
            return .repositoryNotFound(repository: repository.description, tokenSent: tokenSent)
        case (429, _):
            return .rateLimited(url: Self.shown(url), retryAfter: response.headers.first(name: "Retry-After").map(Self.printable))
        case (500...599, _):
            return .serverError(url: Self.shown(url), status: status)
        default:
            return .unexpectedStatus(url: Self.shown(url), status: status)
        }
    }

    // MARK: - text

    /// An address as messages show it: without the query (CDN addresses carry long signatures) and
    /// without a user or password.
    static func shown(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(an address that cannot be shown)" }
        components.query = nil
        components.fragment = nil
        components.user = nil
        components.password = nil
        return components.string ?? "(an address that cannot be shown)"
    }

    static func shown(_ url: URL) -> String { shown(url.absoluteString) }

    /// `W/"abc"` or `"abc"` → `abc`.
    static func unquotedETag(_ value: String) -> String {
        var text = value.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("W/") { text.removeFirst(2) }
        return text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Text from the server, safe to print on a terminal: no control characters, at most 300 characters.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F
                && !(0x80...0x9F).contains($0.value) }).prefix(300))
    }

    /// A short reason for a failed request.
    static func transportDetail(_ error: Error) -> String {
        if let hubError = error as? HubError { return hubError.description }
        if let ioError = error as? IOError { return String(cString: strerror(ioError.errnoCode)) }
        if let sslError = error as? NIOSSLError, case .handshakeFailed(let reason) = sslError {
            if String(describing: reason).contains("CERTIFICATE_VERIFY_FAILED") {
                return "its TLS certificate could not be verified: is a proxy intercepting HTTPS, or is the clock wrong?"
            }
            return "the TLS handshake failed"
        }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout: return "connection timed out"
            case .readTimeout: return "no data for 60 seconds"
            case .deadlineExceeded: return "no answer within 60 seconds"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return printable(String(describing: clientError))
            }
        }
        return printable(String(describing: error))
    }
}
