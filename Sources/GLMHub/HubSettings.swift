import Foundation

/// A Hugging Face access token. Its description is a placeholder so that the token cannot reach a
/// message, a log or an error by accident; only `authorizationValue` reveals it, for the header.
public struct HubToken: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secret: String

    public init?(_ text: String?) {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        secret = trimmed
    }

    var authorizationValue: String { "Bearer \(secret)" }
    public var description: String { "(HF_TOKEN, hidden)" }
    public var debugDescription: String { description }
    /// `dump` and other reflection see no field either.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

/// Where the hub is and who is asking: `HF_ENDPOINT` (default https://huggingface.co; a mirror such
/// as https://hf-mirror.com where huggingface.co is out of reach) and `HF_TOKEN` (for gated models).
public struct HubSettings: Sendable {
    public static let defaultEndpoint = "https://huggingface.co"

    /// Scheme, host, port and an optional path prefix, without a trailing slash.
    public let endpoint: String
    public let token: HubToken?

    public init(endpoint: String = HubSettings.defaultEndpoint, token: HubToken? = nil) throws(HubError) {
        var text = endpoint.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil else {
            throw .invalidEndpoint(endpoint)
        }
        self.endpoint = text
        self.token = token
    }

    /// The endpoint as messages show it (without a user or password written into the address).
    public var displayEndpoint: String { HubClient.shown(endpoint) }

    /// Reads `HF_ENDPOINT` and `HF_TOKEN` (an empty value counts as unset).
    public init(environment: [String: String]) throws(HubError) {
        let endpoint = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultEndpoint
        try self.init(endpoint: endpoint, token: HubToken(environment["HF_TOKEN"]))
    }

    /// The repository's file list with sizes and LFS hashes at the head of `main`, and the commit.
    func revisionURL(_ repository: HubRepositoryID) -> String {
        "\(endpoint)/api/models/\(repository)/revision/main?blobs=true"
    }

    /// The file at one commit; the hub answers with its metadata and, for LFS files, a redirect to the CDN.
    func resolveURL(_ repository: HubRepositoryID, commit: String, path: String) -> String {
        let encoded = path.split(separator: "/").map { Self.percentEncoded(String($0)) }.joined(separator: "/")
        return "\(endpoint)/\(repository)/resolve/\(Self.percentEncoded(commit))/\(encoded)"
    }

    /// The token goes only to the endpoint's own host, never to a CDN the hub redirects to
    /// (huggingface_hub drops it there too; CDN addresses are signed).
    func mayReceiveToken(_ url: URL) -> Bool {
        guard let endpointURL = URL(string: endpoint) else { return false }
        return url.host?.lowercased() == endpointURL.host?.lowercased() && url.scheme == endpointURL.scheme
            && url.port == endpointURL.port
    }

    private static func percentEncoded(_ component: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return component.addingPercentEncoding(withAllowedCharacters: allowed) ?? component
    }
}
