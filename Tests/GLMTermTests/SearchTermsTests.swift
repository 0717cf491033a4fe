import Testing
@testable import GLMTerm

/// The in-memory repository's search (demo mode) tells text apart by bytes, as the SQLite store does.
@Suite struct SearchTermsTests {
    @Test func canonicallyEquivalentCharactersDoNotMatchEachOther() {
        #expect(SearchTerms.containsAll(["\u{5E74}"], in: "新\u{5E74}快乐"))
        #expect(!SearchTerms.containsAll(["\u{5E74}"], in: "新\u{F98E}快乐"))
        #expect(SearchTerms.ranges(of: ["\u{F98E}"], in: "\u{5E74}\u{F98E}") == [1..<2])
        #expect(SearchTerms.ranges(of: ["LIST"], in: "a list") == [2..<6])
    }
}
