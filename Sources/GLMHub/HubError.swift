import Foundation

/// Everything that can stop a `pull`, worded for the person who typed the command: what happened and
/// what to do next. No message ever contains the token.
public enum HubError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The REPO argument is not `owner/name`.
    case invalidRepository(String, reason: String)
    /// HF_ENDPOINT is not an http(s) URL.
    case invalidEndpoint(String)
    /// 401 or 403: a gated or private repository, or a token the hub refused.
    case accessDenied(repository: String, status: Int, tokenSent: Bool, hubMessage: String?)
    /// 404 (or the hub's 401 "RepoNotFound" to a visitor without a token).
    case repositoryNotFound(repository: String, tokenSent: Bool)
    /// The repository exists, the file does not.
    case fileNotFound(repository: String, file: String, available: [String])
    /// 429, with the server's Retry-After when it sent one.
    case rateLimited(url: String, retryAfter: String?)
    /// 5xx.
    case serverError(url: String, status: Int)
    /// Any other status this client does not know how to act on.
    case unexpectedStatus(url: String, status: Int)
    /// No connection could be made (DNS, refused, TLS, timeout before any answer).
    case unreachable(url: String, detail: String)
    /// The transfer stopped part way; the `.part` file keeps what arrived.
    case connectionLost(file: String, kept: Int64, total: Int64, detail: String)
    /// ENOSPC while writing; the `.part` file keeps what was written.
    case diskFull(path: String, kept: Int64)
    /// Less free space than the download needs, found before starting.
    case notEnoughSpace(directory: String, needed: Int64, available: Int64)
    /// Any other failure to create, write or rename a local file.
    case fileSystem(path: String, detail: String)
    /// The downloaded bytes do not have the hash the hub published; the `.part` file was deleted.
    case hashMismatch(file: String, algorithm: String, expected: String, actual: String)
    /// The hub's answer could not be understood (bad JSON, missing headers, inconsistent sizes).
    case badResponse(url: String, detail: String)
    /// Neither a ChatGLM3 checkpoint (config.json and weights) nor any GGUF file.
    case notAModelRepository(repository: String, files: [String])
    /// A GGUF repository with several files and none named: the user must pick one.
    case chooseGGUFFile(repository: String, choices: [RemoteFile])
    /// FILE names something other than a `.gguf` file.
    case notAGGUFFile(String)
    /// Another `glmchat pull` holds the lock on this `.part` file.
    case busy(path: String)

    public var description: String {
        switch self {
        case .invalidRepository(let text, let reason):
            return "'\(text)' is not a Hugging Face repository: \(reason) (expected OWNER/NAME, e.g. THUDM/chatglm3-6b)"
        case .invalidEndpoint(let text):
            return "HF_ENDPOINT '\(text)' is not an http:// or https:// address (e.g. https://hf-mirror.com)"
        case .accessDenied(let repository, let status, let tokenSent, let hubMessage):
            let said = hubMessage.map { " The hub says: \($0)" } ?? ""
            if tokenSent {
                return "\(repository): access denied (HTTP \(status)) although HF_TOKEN was sent. Check that the token is valid "
                    + "and that you accepted the model's licence at https://huggingface.co/\(repository).\(said)"
            }
            return "\(repository) needs a Hugging Face account (HTTP \(status)): accept the model's licence at "
                + "https://huggingface.co/\(repository), create a read token at https://huggingface.co/settings/tokens, "
                + "and run again with HF_TOKEN set to it.\(said)"
        case .repositoryNotFound(let repository, let tokenSent):
            let hint = tokenSent ? "" : " If it is private or gated, set HF_TOKEN to a token that can read it."
            return "repository \(repository) not found on the hub (check the spelling, e.g. THUDM/chatglm3-6b).\(hint)"
        case .fileNotFound(let repository, let file, let available):
            let list = available.isEmpty ? "" : " It has: " + available.joined(separator: ", ")
            return "\(repository) has no file '\(file)'.\(list)"
        case .rateLimited(let url, let retryAfter):
            let wait = retryAfter.map { Self.retryAfterText($0) } ?? "wait a while"
            return "the hub is limiting requests (HTTP 429 from \(url)): \(wait), then run the same command again"
        case .serverError(let url, let status):
            return "the hub had an error (HTTP \(status) from \(url)); try again later, or set HF_ENDPOINT to a mirror "
                + "(e.g. https://hf-mirror.com)"
        case .unexpectedStatus(let url, let status):
            return "unexpected answer HTTP \(status) from \(url)"
        case .unreachable(let url, let detail):
            return "cannot reach \(url) (\(detail)). Check the network; where huggingface.co is blocked, set "
                + "HF_ENDPOINT to a mirror such as https://hf-mirror.com"
        case .connectionLost(let file, let kept, let total, let detail):
            return "the connection was lost while downloading \(file) (\(detail)) after \(Self.bytes(kept)) of "
                + "\(Self.bytes(total)); the partial file is kept: run the same command again to resume"
        case .diskFull(let path, let kept):
            return "the disk is full while writing \(path) (\(Self.bytes(kept)) kept); free some space and run the same "
                + "command again to resume"
        case .notEnoughSpace(let directory, let needed, let available):
            return "not enough free space in \(directory): the download needs \(Self.bytes(needed)) more, "
                + "\(Self.bytes(available)) are free. Free some space, or set GLMCHAT_DATA_DIR to a larger disk"
        case .fileSystem(let path, let detail):
            return "\(path): \(detail)"
        case .hashMismatch(let file, let algorithm, let expected, let actual):
            return "\(file) is damaged: its \(algorithm) is \(actual), the hub says \(expected). The partial file was "
                + "deleted; run the same command again to download it afresh"
        case .badResponse(let url, let detail):
            return "the hub's answer from \(url) could not be used: \(detail)"
        case .notAModelRepository(let repository, let files):
            let shown = files.prefix(12).joined(separator: ", ") + (files.count > 12 ? ", …" : "")
            return "\(repository) is neither a ChatGLM3 checkpoint (config.json with safetensors or PyTorch weights) nor "
                + "a GGUF repository. Its files: \(shown.isEmpty ? "none" : shown)"
        case .chooseGGUFFile(let repository, let choices):
            var text = "\(repository) holds \(choices.count) GGUF files; name the one to download:\n"
            for file in choices {
                text += "  \(file.path)  \(file.size.map { Self.bytes($0) } ?? "size unknown")\n"
            }
            let example = choices.first(where: { $0.path.contains("Q4_0") })?.path ?? choices.first?.path ?? "FILE"
            text += "for example: glmchat pull \(repository) \(example)"
            return text
        case .notAGGUFFile(let file):
            return "'\(file)' is not a .gguf file; name a GGUF file, or leave FILE out to download a checkpoint"
        case .busy(let path):
            return "another glmchat pull is writing \(path); wait for it to finish"
        }
    }

    /// Retry-After is either seconds or an HTTP date.
    static func retryAfterText(_ value: String) -> String {
        if let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
            return "wait \(seconds) second\(seconds == 1 ? "" : "s") (Retry-After)"
        }
        return "wait until \(value) (Retry-After)"
    }

    /// Decimal units, as the progress bar prints them.
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(count)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }
}
