import CSentencePiece
import Foundation

/// Owns one libsentencepiece processor (through the CSentencePiece shim).
///
/// `@unchecked Sendable`: the processor is created fully loaded in `init`, never mutated
/// afterwards, and only the shim's const queries (Encode, Decode, piece lookups) are called;
/// those keep no shared mutable state, so concurrent calls are safe.
final class SentencePieceModel: @unchecked Sendable {
    private let handle: OpaquePointer

    /// Loads serialized ModelProto bytes; `source` names them in errors (a path, or a GGUF key).
    init(bytes: [UInt8], source: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let created = bytes.withUnsafeBytes { buffer in
            csp_create_from_bytes(buffer.baseAddress, buffer.count, &error)
        }
        guard let created else {
            let reason = (Self.takeMessage(error) ?? "no reason given").trimmingCharacters(in: .whitespaces)
            throw GLMError(.tokenizer, path: source, "not a valid SentencePiece model (libsentencepiece: \(reason))")
        }
        handle = created
    }

    deinit { csp_free(handle) }

    var pieceCount: Int { Int(csp_piece_count(handle)) }
    var bosId: Int32 { csp_bos_id(handle) }
    var eosId: Int32 { csp_eos_id(handle) }
    var unkId: Int32 { csp_unk_id(handle) }

    /// The piece's bytes (UTF-8 text, "▁" for spaces, `<0xNN>` for byte pieces); nil out of range.
    func pieceBytes(_ id: Int32) -> [UInt8]? {
        var length = 0
        guard let start = csp_id_to_piece(handle, id, &length) else { return nil }
        return start.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    func score(_ id: Int32) -> Float { csp_piece_score(handle, id) }

    struct PieceFlags: OptionSet, Sendable {
        let rawValue: UInt32
        static let byte = PieceFlags(rawValue: UInt32(CSP_PIECE_BYTE))
        static let control = PieceFlags(rawValue: UInt32(CSP_PIECE_CONTROL))
        static let unknown = PieceFlags(rawValue: UInt32(CSP_PIECE_UNKNOWN))
        static let unused = PieceFlags(rawValue: UInt32(CSP_PIECE_UNUSED))
    }

    func flags(_ id: Int32) -> PieceFlags { PieceFlags(rawValue: csp_piece_flags(handle, id)) }

    /// SentencePiece ids of `text`. Encoding a loaded model cannot fail on valid UTF-8 (every
    /// Swift String is), so a failure here means memory ran out: that stops the program.
    func encode(_ text: String) -> [Int32] {
        var utf8 = Array(text.utf8)
        var ids: UnsafeMutablePointer<Int32>?
        var count = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = utf8.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                csp_encode(handle, $0.baseAddress, $0.count, &ids, &count, &error)
            }
        }
        defer { free(ids) }
        guard status == 0 else {
            fatalError("libsentencepiece failed to encode: \(Self.takeMessage(error) ?? "no reason")")
        }
        guard let ids else { return [] }
        return Array(UnsafeBufferPointer(start: ids, count: count))
    }

    /// libsentencepiece's own decoding of piece ids (every id must be a piece of this model).
    func decode(_ ids: [Int32]) throws -> String {
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = ids.withUnsafeBufferPointer {
            csp_decode(handle, $0.baseAddress, $0.count, &text, &length, &error)
        }
        defer { free(text) }
        guard status == 0, let text else {
            throw GLMError(.tokenizer, "cannot decode ids: \(Self.takeMessage(error) ?? "no reason")")
        }
        return text.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Converts and frees a message the shim allocated.
    private static func takeMessage(_ message: UnsafeMutablePointer<CChar>?) -> String? {
        guard let message else { return nil }
        defer { free(message) }
        return String(cString: message)
    }
}
