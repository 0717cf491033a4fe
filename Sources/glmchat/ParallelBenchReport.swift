import ArgumentParser
import Foundation
import GLMBench
import GLMEngine

/// `--parallel 1,2,4,8`: stream counts, each at least 1.
struct ParallelCounts: ExpressibleByArgument {
    let counts: [Int]

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let numbers = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.count == parts.count, numbers.allSatisfy({ (1...256).contains($0) }) else { return nil }
        counts = numbers
    }
}

/// What `bench --parallel` prints: medians over the repetitions, per stream count.
enum ParallelBenchReport {
    static func table(_ results: [ParallelBenchmark.Result], promptTokens: Int, generatedTokens: Int,
                      readAheadRows: Int) -> String {
        let depth = results.first.map { $0.context > 0 ? " after \($0.context) cached" : "" } ?? ""
        var lines = ["streams  aggregate tg t/s  per-stream tg t/s  (pp\(promptTokens) per stream\(depth), tg\(generatedTokens), medians)"]
        let single = results.first { $0.parallel == 1 }.map { median($0.aggregateTokensPerSecond) }
        for result in results {
            let aggregate = median(result.aggregateTokensPerSecond)
            var line = String(format: "%7d  %16.2f  %17.2f", result.parallel, aggregate, median(result.perStreamTokensPerSecond))
            if let single, single > 0, result.parallel > 1 { line += String(format: "  (%.2fx one stream)", aggregate / single) }
            if !result.readAheadPhaseShares.isEmpty {
                line += String(format: "  read-ahead phase (+%d rows each): %.1f%% of tg", readAheadRows,
                               median(result.readAheadPhaseShares) * 100)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// `bench --parallel N --speculate MODE`: plain against speculating, medians over the repetitions.
    static func speculationTable(_ results: [BatchedSpeculationBenchmark.Result], mode: SpeculationBenchmark.Mode,
                                 maxDrafts: Int) -> String {
        var lines = ["| streams | plain aggregate t/s | \(mode.rawValue) K=\(maxDrafts) aggregate t/s | ratio | plain per stream | \(mode.rawValue) per stream | drafted / accepted (last run) | answers identical |",
                     "|---|---|---|---|---|---|---|---|"]
        for result in results {
            let plain = median(result.plain.map(\.aggregateTokensPerSecond))
            let fast = median(result.speculative.map(\.aggregateTokensPerSecond))
            let last = result.speculative.last
            lines.append(String(format: "| %d | %.2f | %.2f | %.2fx | %.2f | %.2f | %d / %d | ", result.parallel, plain, fast,
                                fast / max(plain, 1e-12), median(result.plain.map(\.perStreamTokensPerSecond)),
                                median(result.speculative.map(\.perStreamTokensPerSecond)), last?.drafted ?? 0,
                                last?.accepted ?? 0) + (result.identical ? "yes |" : "NO |"))
        }
        return lines.joined(separator: "\n")
    }

    /// One object per stream count.
    static func json(_ results: [ParallelBenchmark.Result]) -> String {
        let objects: [[String: Any]] = results.map { result in
            var object: [String: Any] = ["parallel": result.parallel, "context": result.context,
                                         "aggregate_tg_tokens_per_second": median(result.aggregateTokensPerSecond),
                                         "per_stream_tg_tokens_per_second": median(result.perStreamTokensPerSecond),
                                         "aggregate_tg_tokens_per_second_runs": result.aggregateTokensPerSecond]
            if !result.readAheadPhaseShares.isEmpty { object["read_ahead_phase_shares"] = result.readAheadPhaseShares }
            return object
        }
        guard let data = try? JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .prettyPrinted]),
              let text = String(data: data, encoding: .utf8) else { return "[]" }
        return text
    }
}
