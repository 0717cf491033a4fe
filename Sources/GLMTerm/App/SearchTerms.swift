/// Case-insensitive term matching for the in-memory repository's search, with the places that
/// matched as Character offsets (what the sidebar highlights).
enum SearchTerms {
    static func terms(_ query: String) -> [String] {
        query.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    /// Whether `text` contains every term.
    static func containsAll(_ terms: [String], in text: String) -> Bool {
        let folded = Array(text).map(fold)
        return terms.allSatisfy { !occurrences(of: Array($0).map(fold), in: folded).isEmpty }
    }

    /// Every place a term occurs, sorted, overlapping ones merged.
    static func ranges(of terms: [String], in text: String) -> [Range<Int>] {
        let folded = Array(text).map(fold)
        let found = terms.flatMap { occurrences(of: Array($0).map(fold), in: folded) }.sorted { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for range in found {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// Lower case, compared by bytes (never by `String ==`, which equates canonically equivalent text).
    private static func fold(_ character: Character) -> [UInt8] { Array(String(character).lowercased().utf8) }

    private static func occurrences(of term: [[UInt8]], in text: [[UInt8]]) -> [Range<Int>] {
        guard !term.isEmpty, term.count <= text.count else { return [] }
        var found: [Range<Int>] = []
        for start in 0...(text.count - term.count) where text[start..<(start + term.count)].elementsEqual(term) {
            found.append(start..<(start + term.count))
        }
        return found
    }
}
