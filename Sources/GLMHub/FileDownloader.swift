import AsyncHTTPClient
import Foundation
import NIOCore

/// Downloads one file of a repository into its final place: `NAME.part` grows (continuing an earlier
/// run with an HTTP Range request), its hash is carried along, and only bytes with the hub's hash are
/// renamed to `NAME`.
struct FileDownloader {
    let client: HubClient
    let listing: RepositoryListing

    /// Downloads `file` to `destination` unless the manifest shows it is already there with the hash
    /// the hub publishes now.
    func download(_ file: RemoteFile, to destination: URL, manifest: inout PullManifest, folder: URL,
                  events: (PullEvent) -> Void) async throws {
        let finalPath = destination.path
        if let listed = file.sha256 ?? file.gitBlobID, let size = manifest.completedSize(file.path, hash: listed, localPath: finalPath) {
            events(.alreadyDownloaded(file: file.path, size: size))
            return
        }
        let metadata = try await client.metadata(of: file.path, in: listing.repository, commit: listing.commit,
                                                 available: listing.files.map(\.path))
        let (total, expected) = try Self.check(file, against: metadata, commit: listing.commit)
        if manifest.completedSize(file.path, hash: expected.hex, localPath: finalPath) != nil {
            events(.alreadyDownloaded(file: file.path, size: total))
            return
        }
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: destination.deletingLastPathComponent().path, detail: "cannot create the folder: \(error.localizedDescription)")
        }
        let part = try PartFile(finalPath: finalPath)
        var hash = ContentHash(expected)
        if part.size > total {
            events(.restarting(file: file.path, reason: "the partial file is longer than the file on the hub"))
            try part.truncate()
        }
        if part.size > 0 {
            try part.forEachExistingChunk { hash.update($0) }
        }
        if part.size < total {
            try await transfer(file, size: total, from: metadata.downloadURL, into: part, hash: &hash, events: events)
        }
        let actual = hash.finalHex()
        guard actual == expected.hex else {
            part.discard()
            throw HubError.hashMismatch(file: file.path, algorithm: hash.algorithm, expected: expected.hex, actual: actual)
        }
        try part.complete()
        manifest.files[file.path] = PullManifest.Entry(size: total, hash: expected.hex)
        try manifest.save(folder: folder)
        events(.verified(file: file.path))
    }

    /// What the bytes remaining to download for `file` are, for the free-space check: its size less a
    /// `.part` file's bytes, or 0 when the manifest shows it complete.
    static func remainingBytes(_ file: RemoteFile, at destination: URL, manifest: PullManifest) -> Int64 {
        if let listed = file.sha256 ?? file.gitBlobID, manifest.completedSize(file.path, hash: listed, localPath: destination.path) != nil {
            return 0
        }
        let size = file.size ?? 0
        let partial = fileSize(destination.path + ".part") ?? 0
        return max(0, size - min(partial, size))
    }

    private func transfer(_ file: RemoteFile, size total: Int64, from url: URL, into part: PartFile,
                          hash: inout ContentHash, events: (PullEvent) -> Void) async throws {
        var response = try await client.fetch(url, from: part.size, repository: listing.repository, file: file.path)
        if response.status.code == 416 {
            // The server has fewer bytes than the .part file: it cannot be this file's prefix.
            events(.restarting(file: file.path, reason: "the server cannot continue the partial file"))
            try part.truncate()
            hash.reset()
            response = try await client.fetch(url, from: 0, repository: listing.repository, file: file.path)
        }
        let shown = HubClient.shown(url)
        if response.status.code == 206 {
            let range = response.headers.first(name: "Content-Range") ?? ""
            guard let (start, length) = Self.parseContentRange(range), start == part.size, length == nil || length == total else {
                throw HubError.badResponse(url: shown, detail: "Content-Range \(range.debugDescription) does not continue byte \(part.size) of \(total)")
            }
        } else if response.status.code == 200 {
            if part.size > 0 {
                events(.restarting(file: file.path, reason: "the server ignored the resume request and sends the whole file"))
                try part.truncate()
                hash.reset()
            }
            if let lengthText = response.headers.first(name: "Content-Length"), let length = Int64(lengthText), length != total {
                throw HubError.badResponse(url: shown, detail: "the file has \(length) bytes, the hub said \(total)")
            }
        } else {
            throw HubError.unexpectedStatus(url: shown, status: Int(response.status.code))
        }
        events(.downloading(file: file.path, size: total, resumingAt: part.size))
        do {
            for try await buffer in response.body {
                guard part.size + Int64(buffer.readableBytes) <= total else {
                    throw HubError.badResponse(url: shown, detail: "the server sent more than the \(total) bytes of \(file.path)")
                }
                try buffer.withUnsafeReadableBytes { bytes throws(HubError) in
                    try part.append(bytes)
                    hash.update(bytes)
                }
                events(.progress(file: file.path, done: part.size, total: total))
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.connectionLost(file: file.path, kept: part.size, total: total, detail: HubClient.transportDetail(error))
        }
        guard part.size == total else {
            throw HubError.connectionLost(file: file.path, kept: part.size, total: total, detail: "the server closed the connection early")
        }
    }

    /// The size and hash to expect: the listing's, cross-checked with the file's own headers.
    static func check(_ file: RemoteFile, against metadata: FileMetadata, commit: String) throws -> (Int64, ContentHash.Expected) {
        let shown = HubClient.shown(metadata.downloadURL)
        if let headerCommit = metadata.commit, RepositoryListing.isHex(headerCommit, length: 40), headerCommit.lowercased() != commit {
            throw HubError.badResponse(url: shown, detail: "\(file.path) is at commit \(headerCommit), the file list at \(commit)")
        }
        guard let total = file.size ?? metadata.size else {
            throw HubError.badResponse(url: shown, detail: "no size for \(file.path)")
        }
        if let listed = file.size, let headed = metadata.size, listed != headed {
            throw HubError.badResponse(url: shown, detail: "\(file.path) is listed with \(listed) bytes but its headers say \(headed)")
        }
        let etag = metadata.etag?.lowercased()
        if let sha256 = file.sha256 ?? etag.flatMap({ RepositoryListing.isHex($0, length: 64) ? $0 : nil }) {
            if let etag, RepositoryListing.isHex(etag, length: 64), etag != sha256 {
                throw HubError.badResponse(url: shown, detail: "\(file.path): the file list says sha256 \(sha256), its headers \(etag)")
            }
            return (total, .sha256(sha256))
        }
        if let blob = file.gitBlobID ?? etag.flatMap({ RepositoryListing.isHex($0, length: 40) ? $0 : nil }) {
            return (total, .gitBlob(blob, size: total))
        }
        throw HubError.badResponse(url: shown, detail: "the hub publishes no hash for \(file.path), so it cannot be verified")
    }

    /// `bytes START-END/LENGTH` → (START, LENGTH), LENGTH nil for `*`.
    static func parseContentRange(_ text: String) -> (Int64, Int64?)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("bytes ") else { return nil }
        let parts = trimmed.dropFirst(6).split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let dash = parts[0].firstIndex(of: "-"),
              let start = Int64(parts[0][..<dash]), let end = Int64(parts[0][parts[0].index(after: dash)...]), start >= 0, end >= start
        else { return nil }
        if parts[1] == "*" { return (start, nil) }
        guard let length = Int64(parts[1]), length > end else { return nil }
        return (start, length)
    }

    static func fileSize(_ path: String) -> Int64? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) == .typeRegular,
              let size = attributes[.size] as? NSNumber else { return nil }
        return size.int64Value
    }
}

extension ContentHash.Expected {
    var hex: String {
        switch self {
        case .sha256(let hex), .gitBlob(let hex, _): return hex
        }
    }
}
