import Foundation
@testable import GLMEngine

/// Paths and parsed golden data of the oracle fixtures (computed by the original ChatGLM3 code).
enum Fixtures {
    static var root: URL {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            fatalError("test bundle has no Fixtures folder")
        }
        return url
    }

    static var tinyModel: String { root.appendingPathComponent("tiny-chatglm3").path }

    struct GreedyCase: Sendable {
        let name: String
        let kind: String
        let text: String
        let inputIDs: [Int32]
        let lastLogits: [Float]
        let greedyIDs: [Int32]
        let stepLogits: [[Float]]
        let allPositionsArgmax: [Int]
    }

    /// The cases of an `expected.json` in the tiny fixture's schema.
    static func greedyCases(_ path: String) throws -> [GreedyCase] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else {
            throw GLMError(.badFormat, path: path, "no cases")
        }
        func floats(_ value: Any?) -> [Float] { ((value as? [NSNumber]) ?? []).map { $0.floatValue } }
        func ids(_ value: Any?) -> [Int32] { ((value as? [NSNumber]) ?? []).map { $0.int32Value } }
        return cases.map { c in
            let greedy = c["greedy"] as? [String: Any] ?? [:]
            return GreedyCase(
                name: c["name"] as? String ?? "?",
                kind: c["kind"] as? String ?? "?",
                text: c["text"] as? String ?? "",
                inputIDs: ids(c["input_ids"]),
                lastLogits: floats(c["last_logits"]),
                greedyIDs: ids(greedy["new_token_ids"]),
                stepLogits: ((greedy["step_logits"] as? [Any]) ?? []).map(floats),
                allPositionsArgmax: ((c["all_positions_argmax"] as? [NSNumber]) ?? []).map { $0.intValue })
        }
    }

    static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "rows differ in length: \(a.count) vs \(b.count)")
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    static func argmax(_ row: ArraySlice<Float>) -> Int {
        var best = row.startIndex
        for i in row.indices where row[i] > row[best] { best = i }
        return best - row.startIndex
    }
}
