import Foundation

/// A model repository on the hub, `owner/name` (e.g. `THUDM/chatglm3-6b`), checked against the hub's
/// naming rules so that it is safe in a URL and as a folder name.
public struct HubRepositoryID: Hashable, Sendable, CustomStringConvertible {
    public let owner: String
    public let name: String

    /// Accepts `owner/name`, also pasted as a hub address (`https://huggingface.co/owner/name/...`).
    public init(_ text: String) throws(HubError) {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if let url = URL(string: trimmed), let scheme = url.scheme, ["http", "https"].contains(scheme.lowercased()) {
            let parts = url.path.split(separator: "/").map(String.init)
            guard parts.count >= 2 else { throw .invalidRepository(text, reason: "the address names no repository") }
            trimmed = parts[0] + "/" + parts[1]
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw .invalidRepository(text, reason: "it needs exactly one '/'") }
        for part in parts {
            if let reason = Self.problem(with: part) { throw .invalidRepository(text, reason: reason) }
        }
        owner = parts[0]
        name = parts[1]
    }

    /// The folder under the models directory: `owner--name` (the hub forbids `--` inside names, so
    /// the mapping is reversible).
    public var folderName: String { "\(owner)--\(name)" }

    /// The repository a models folder was made for, if the folder name has that shape.
    public init?(folderName: String) {
        guard let range = folderName.range(of: "--") else { return nil }
        guard let id = try? HubRepositoryID(String(folderName[..<range.lowerBound]) + "/"
                                            + String(folderName[range.upperBound...])) else { return nil }
        self = id
    }

    public var description: String { "\(owner)/\(name)" }

    /// The hub's rule: letters, digits, `-`, `_`, `.`; at most 96 characters; no `--` or `..`;
    /// not starting or ending with `-` or `.`.
    private static func problem(with part: String) -> String? {
        if part.isEmpty { return "an empty owner or name" }
        if part.utf8.count > 96 { return "a part longer than 96 characters" }
        let allowed = part.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
        if !allowed { return "only letters, digits, '-', '_' and '.' are allowed" }
        if part.contains("--") || part.contains("..") { return "'--' and '..' are not allowed" }
        if let first = part.first, first == "-" || first == "." { return "a part may not start with '-' or '.'" }
        if let last = part.last, last == "-" || last == "." { return "a part may not end with '-' or '.'" }
        return nil
    }
}
