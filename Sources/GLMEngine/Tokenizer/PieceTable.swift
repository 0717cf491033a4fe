/// What one token id adds to decoded text, precomputed for every id so that decoding
/// (batch or streaming) never calls into libsentencepiece.
enum PieceSurface: Sendable, Equatable {
    /// A byte-fallback piece `<0xNN>`; runs of them are decoded together as UTF-8.
    case byte(UInt8)
    /// Control pieces (`<s>`, `</s>`), hidden special tokens, padding ids: no text.
    case invisible
    /// Text shown as it is, never losing a leading space: the unknown piece's surface.
    case literal([UInt8])
    /// A special token's text, when special tokens are shown. The original tokenizer decodes the
    /// pieces between special tokens one run at a time, so the piece after one loses its leading
    /// "▁" as if the text began there (`<|assistant|>` + "▁Hi" is "<|assistant|>Hi").
    case special([UInt8])
    /// A normal piece with "▁" already turned into " "; `leadingSpace` when it began with "▁",
    /// which SentencePiece drops at the start of a text (the dummy prefix).
    case text([UInt8], leadingSpace: Bool)
}

extension PieceSurface {
    /// Appends what a piece that is not a byte shows. `atStart`: nothing written since the text began
    /// or since the last shown special token, so a leading "▁" goes (SentencePiece's dummy prefix);
    /// updated for the next piece. The one rule both `Tokenizer.decode` and `StreamingDetokenizer` use.
    func appendShown(to output: inout [UInt8], atStart: inout Bool) {
        switch self {
        case .byte, .invisible:
            break
        case .literal(let bytes):
            output += bytes
            atStart = false
        case .special(let bytes):
            output += bytes
            atStart = true
        case .text(let bytes, let leadingSpace):
            output += atStart && leadingSpace ? bytes.dropFirst() : bytes[...]
            atStart = false
        }
    }
}

/// The surfaces of every SentencePiece id plus the special tokens that follow them.
final class PieceTable: Sendable {
    private let pieces: [PieceSurface]
    private let specialTexts: [[UInt8]]

    init(model: SentencePieceModel, source: String) throws {
        let unknownSurface = try Array(model.decode([model.unkId]).utf8)
        var pieces: [PieceSurface] = []
        pieces.reserveCapacity(model.pieceCount)
        for id in 0..<Int32(model.pieceCount) {
            guard let bytes = model.pieceBytes(id) else {
                throw GLMError(.tokenizer, path: source, "piece \(id) cannot be read")
            }
            pieces.append(try Self.surface(bytes: bytes, flags: model.flags(id), unknown: unknownSurface,
                                           id: id, source: source))
        }
        self.pieces = pieces
        specialTexts = SpecialToken.allCases.map { Array($0.text.utf8) }
    }

    /// The surface of any id: SentencePiece ids, special tokens (hidden unless asked for),
    /// and everything else (padding rows, negative ids) as invisible.
    func surface(of id: Int32, showSpecialTokens: Bool) -> PieceSurface {
        let index = Int(id)
        if index >= 0, index < pieces.count { return pieces[index] }
        let special = index - pieces.count
        guard special >= 0, special < specialTexts.count else { return .invisible }
        return showSpecialTokens ? .special(specialTexts[special]) : .invisible
    }

    private static let spaceSymbol: [UInt8] = Array("\u{2581}".utf8)

    private static func surface(bytes: [UInt8], flags: SentencePieceModel.PieceFlags, unknown: [UInt8],
                                id: Int32, source: String) throws -> PieceSurface {
        if flags.contains(.control) { return .invisible }
        if flags.contains(.unknown) { return .literal(unknown) }
        if flags.contains(.byte) {
            guard let value = byteValue(bytes) else {
                throw GLMError(.tokenizer, path: source,
                               "byte piece \(id) is \"\(String(decoding: bytes, as: UTF8.self))\", not <0xNN>")
            }
            return .byte(value)
        }
        let leadingSpace = bytes.starts(with: spaceSymbol)
        return .text(replacingSpaceSymbols(bytes), leadingSpace: leadingSpace)
    }

    /// The value of a `<0xNN>` byte piece.
    private static func byteValue(_ piece: [UInt8]) -> UInt8? {
        let text = String(decoding: piece, as: UTF8.self)
        guard text.count == 6, text.hasPrefix("<0x"), text.hasSuffix(">") else { return nil }
        return UInt8(text.dropFirst(3).dropLast(), radix: 16)
    }

    private static func replacingSpaceSymbols(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index...].starts(with: spaceSymbol) {
                output.append(0x20)
                index += spaceSymbol.count
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }
}
