import CSentencePiece
import Foundation
import Testing

/// The CSentencePiece shim's entry points that the Swift wrapper does not use on its own.
@Suite struct TokenizerCShimTests {
    func takeError(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { free(error) }
        return String(cString: error)
    }

    @Test func createFromFile() throws {
        var error: UnsafeMutablePointer<CChar>?
        let processor = try #require(csp_create_from_file(TokenizerFixtures.path("tiny-chatglm3/tokenizer.model"), &error))
        defer { csp_free(processor) }
        #expect(error == nil)
        #expect(csp_piece_count(processor) == 1000)
        #expect(csp_unk_id(processor) == 0)
        #expect(csp_bos_id(processor) == 1)
        #expect(csp_eos_id(processor) == 2)
        #expect(csp_piece_flags(processor, 3) == UInt32(CSP_PIECE_BYTE))
        #expect(csp_piece_flags(processor, 1) == UInt32(CSP_PIECE_CONTROL))
        #expect(csp_piece_flags(processor, 0) == UInt32(CSP_PIECE_UNKNOWN))
        #expect(csp_id_to_piece(processor, 1000, nil) == nil)
        #expect(csp_piece_score(processor, -1) == 0)
    }

    @Test func failuresReturnMessagesNotExceptions() {
        var error: UnsafeMutablePointer<CChar>?
        #expect(csp_create_from_file("/nonexistent/tokenizer.model", &error) == nil)
        #expect(takeError(error)?.contains("/nonexistent/tokenizer.model") == true)
        #expect(csp_create_from_bytes(nil, 0, &error) == nil)
        #expect(takeError(error) != nil)
        #expect(csp_create_from_file(nil, &error) == nil)
        #expect(takeError(error) == "no path given")
    }

    @Test func decodeRejectsIdsOutsideTheModel() throws {
        var error: UnsafeMutablePointer<CChar>?
        let processor = try #require(csp_create_from_file(TokenizerFixtures.path("tiny-chatglm3/tokenizer.model"), &error))
        defer { csp_free(processor) }
        var text: UnsafeMutablePointer<CChar>?
        var length = 0
        let ids: [Int32] = [388, 1000]
        #expect(csp_decode(processor, ids, ids.count, &text, &length, &error) == -1)
        #expect(text == nil)
        #expect(takeError(error) == "id 1000 is not a piece of this model")
    }
}
