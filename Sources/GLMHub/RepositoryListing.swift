import Foundation

/// One file of a repository as the hub lists it.
public struct RemoteFile: Equatable, Sendable {
    /// The path inside the repository (`model-00001-of-00007.safetensors`, `Q4_K_M/x.gguf`).
    public let path: String
    /// The file's size (of the LFS object for LFS files); nil when the listing left it out.
    public let size: Int64?
    /// The LFS object's sha256 (lowercase hex), for files kept in LFS.
    public let sha256: String?
    /// The git blob id (sha1 of `blob <size>\0<bytes>`), for files kept in git itself.
    public let gitBlobID: String?

    public init(path: String, size: Int64?, sha256: String? = nil, gitBlobID: String? = nil) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.gitBlobID = gitBlobID
    }

    /// The last path component.
    public var fileName: String { path.split(separator: "/").last.map(String.init) ?? path }
}

/// A repository at one commit: what `GET /api/models/{repo}/revision/main?blobs=true` returns.
public struct RepositoryListing: Equatable, Sendable {
    public let repository: HubRepositoryID
    /// The commit `main` pointed at; every file is then fetched at this commit, so that a push during
    /// the download cannot mix two versions.
    public let commit: String
    public let files: [RemoteFile]

    public func file(_ path: String) -> RemoteFile? { files.first { $0.path == path } }

    /// Decodes the hub's JSON; paths that could leave the download folder are refused.
    static func decode(_ data: Data, repository: HubRepositoryID, url: String) throws(HubError) -> RepositoryListing {
        struct Body: Decodable {
            struct Sibling: Decodable {
                struct LFS: Decodable {
                    let sha256: String?
                    let size: Int64?
                }
                let rfilename: String
                let size: Int64?
                let blobId: String?
                let lfs: LFS?
            }
            let sha: String?
            let siblings: [Sibling]?
        }
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: data) } catch {
            throw .badResponse(url: url, detail: "the file list is not the expected JSON (\(error))")
        }
        guard let commit = body.sha, isHex(commit, length: 40) else {
            throw .badResponse(url: url, detail: "no commit id (\"sha\") in the file list")
        }
        guard let siblings = body.siblings else { throw .badResponse(url: url, detail: "no \"siblings\" in the file list") }
        var files: [RemoteFile] = []
        for sibling in siblings {
            guard isSafeRelativePath(sibling.rfilename) else {
                throw .badResponse(url: url, detail: "unsafe file name \(sibling.rfilename.debugDescription)")
            }
            let size = sibling.lfs?.size ?? sibling.size
            if let size, size < 0 { throw .badResponse(url: url, detail: "negative size for \(sibling.rfilename)") }
            var sha256: String?
            if let lfs = sibling.lfs {
                guard let hash = lfs.sha256?.lowercased(), isHex(hash, length: 64) else {
                    throw .badResponse(url: url, detail: "\(sibling.rfilename) is in LFS but has no sha256")
                }
                sha256 = hash
            }
            let blob = sibling.blobId.map { $0.lowercased() }.flatMap { isHex($0, length: 40) ? $0 : nil }
            files.append(RemoteFile(path: sibling.rfilename, size: size, sha256: sha256, gitBlobID: sha256 == nil ? blob : nil))
        }
        return RepositoryListing(repository: repository, commit: commit.lowercased(), files: files)
    }

    static func isHex(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// Relative, no `.` or `..` component, no empty component, no backslash or NUL.
    static func isSafeRelativePath(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.utf8.contains(0) else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { $0 != "" && $0 != "." && $0 != ".." }
    }
}
