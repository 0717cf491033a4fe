import Crypto
import Foundation

/// The hash a downloaded file must have, and the running hash of its bytes. The hub publishes an LFS
/// file's sha256 and a git file's blob id (sha1 of `blob <size>\0` and the bytes); both are checked as
/// the bytes arrive, so a finished file is never read twice. swift-crypto's SHA-256 runs on
/// BoringSSL's assembly (SHA-NI / AVX2), far faster than the network.
struct ContentHash {
    enum Expected: Equatable {
        case sha256(String)
        case gitBlob(String, size: Int64)
    }

    let expected: Expected
    private var sha256 = SHA256()
    private var sha1 = Insecure.SHA1()

    init(_ expected: Expected) {
        self.expected = expected
        reset()
    }

    /// Starts again from no bytes (the `.part` file was emptied).
    mutating func reset() {
        sha256 = SHA256()
        sha1 = Insecure.SHA1()
        if case .gitBlob(_, let size) = expected { sha1.update(data: Data("blob \(size)\0".utf8)) }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch expected {
        case .sha256: sha256.update(bufferPointer: bytes)
        case .gitBlob: sha1.update(bufferPointer: bytes)
        }
    }

    var algorithm: String {
        switch expected {
        case .sha256: return "sha256"
        case .gitBlob: return "git blob id"
        }
    }

    var expectedHex: String {
        switch expected {
        case .sha256(let hex), .gitBlob(let hex, _): return hex
        }
    }

    /// The hash of the bytes so far, lowercase hex.
    func finalHex() -> String {
        switch expected {
        case .sha256: return Self.hex(sha256.finalize())
        case .gitBlob: return Self.hex(sha1.finalize())
        }
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
