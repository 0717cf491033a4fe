/// What a pull tells the person waiting for it, in order.
public enum PullEvent: Equatable, Sendable {
    /// The file list was read: the commit every file is fetched at.
    case listed(repository: String, commit: String)
    /// FILE was not given and the repository has exactly one GGUF file.
    case choseOnlyGGUF(file: String)
    /// The file is already complete on disk (it was verified before it got its name).
    case alreadyDownloaded(file: String, size: Int64)
    /// A transfer begins; `resumingAt > 0` continues a `.part` file.
    case downloading(file: String, size: Int64, resumingAt: Int64)
    /// Bytes of the file on disk so far.
    case progress(file: String, done: Int64, total: Int64)
    /// The `.part` file could not be continued and starts over.
    case restarting(file: String, reason: String)
    /// The file's bytes have the hash the hub published; it now has its final name.
    case verified(file: String)
}
