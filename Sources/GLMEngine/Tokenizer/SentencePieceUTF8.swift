/// How SentencePiece turns runs of byte-fallback pieces (`<0xE4>` ...) into text.
///
/// It decodes the run one character at a time; a byte that does not start a well-formed
/// UTF-8 character (truncated, overlong, surrogate, > U+10FFFF, stray continuation byte)
/// becomes one U+FFFD and decoding resumes at the next byte.
enum SentencePieceUTF8 {
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Length of the well-formed character starting at `start`, or nil if that byte is invalid.
    static func characterLength(_ bytes: ArraySlice<UInt8>, at start: Int) -> Int? {
        let lead = bytes[start]
        if lead < 0x80 { return 1 }
        guard let length = sequenceLength(lead), bytes.endIndex - start >= length else { return nil }
        guard let range = codePointRange(bytes[start..<(start + length)], length: length),
              isAcceptable(range, length: length) else { return nil }
        return length
    }

    /// Whether `prefix` (shorter than its lead byte announces) can still become a well-formed
    /// character once more bytes arrive.
    static func canComplete(_ prefix: ArraySlice<UInt8>) -> Bool {
        guard let first = prefix.first, let length = sequenceLength(first), prefix.count < length else {
            return false
        }
        guard let range = codePointRange(prefix, length: length) else { return false }
        return isAcceptable(range, length: length)
    }

    /// Decodes a complete byte run the way SentencePiece does.
    static func decodeRun(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if let length = characterLength(bytes, at: index) {
                output.append(contentsOf: bytes[index..<(index + length)])
                index += length
            } else {
                output.append(contentsOf: replacement)
                index += 1
            }
        }
        return output
    }

    /// The sequence length a lead byte announces, or nil if it cannot start a multi-byte character.
    private static func sequenceLength(_ lead: UInt8) -> Int? {
        if lead & 0xE0 == 0xC0 { return 2 }
        if lead & 0xF0 == 0xE0 { return 3 }
        if lead & 0xF8 == 0xF0 { return 4 }
        return nil
    }

    /// The code points reachable from these leading bytes (missing continuation bytes taken as
    /// 0x80 for the low end and 0xBF for the high end); nil if a given byte is not a
    /// continuation byte.
    private static func codePointRange(_ bytes: ArraySlice<UInt8>, length: Int) -> ClosedRange<UInt32>? {
        let leadBits: [UInt8] = [0, 0, 0x1F, 0x0F, 0x07]
        var low = UInt32(bytes[bytes.startIndex] & leadBits[length])
        var high = low
        for offset in 1..<length {
            let index = bytes.startIndex + offset
            if index < bytes.endIndex {
                let byte = bytes[index]
                guard byte & 0xC0 == 0x80 else { return nil }
                low = low << 6 | UInt32(byte & 0x3F)
                high = high << 6 | UInt32(byte & 0x3F)
            } else {
                low = low << 6
                high = high << 6 | 0x3F
            }
        }
        return low...high
    }

    /// Whether some code point in `range` is a valid scalar that needs exactly `length` bytes.
    private static func isAcceptable(_ range: ClosedRange<UInt32>, length: Int) -> Bool {
        let minimum: [UInt32] = [0, 0, 0x80, 0x800, 0x10000]
        let low = max(range.lowerBound, minimum[length])
        let high = min(range.upperBound, 0x10FFFF)
        guard low <= high else { return false }
        let insideSurrogates = low >= 0xD800 && high <= 0xDFFF
        return !insideSurrogates
    }
}
