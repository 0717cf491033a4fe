import Foundation
import GLMEngine

extension SpeculationBenchmark.Result {
    /// Medians over the repetitions, the speed-up, and the verification cost, as a table.
    public func table(model name: String, type: StorageType, threads: Int, options: SpeculationBenchmark.Options) -> String {
        var lines = ["| model | type | threads | test | t/s (median) | runs | drafted | accepted | passes |",
                     "|---|---|---|---|---|---|---|---|---|"]
        func row(_ test: String, _ runs: [SpeculationBenchmark.Run]) {
            let speeds = runs.map(\.tokensPerSecond).map { String(format: "%.2f", $0) }.joined(separator: " ")
            let last = runs.last
            lines.append("| \(name) | \(type.rawValue) | \(threads) | \(test) | "
                         + String(format: "%.2f", median(runs.map(\.tokensPerSecond)))
                         + " | \(speeds) | \(last?.drafted ?? 0) | \(last?.accepted ?? 0) | \(last?.passes ?? 0) |")
        }
        let depth = options.context > 0 ? " @ ctx \(options.context)" : ""
        row("tg\(options.generatedTokens) plain" + depth, plain)
        if !speculative.isEmpty {
            row("tg\(options.generatedTokens) \(options.mode.rawValue) K=\(options.maxDrafts)" + depth, speculative)
            let gain = median(speculative.map(\.tokensPerSecond)) / max(median(plain.map(\.tokensPerSecond)), 1e-12)
            lines.append("")
            lines.append("speed-up \(options.mode.rawValue) / plain: " + String(format: "%.2fx", gain)
                         + " (medians); answers identical: " + (identical ? "yes" : "NO"))
        }
        lines.append("")
        lines.append(String(format: "one token: %.1f ms (median of %d)", oneTokenSeconds * 1e3, options.costPasses * costDrafts.count))
        for k in costDrafts {
            let seconds = verifySeconds[k] ?? 0
            lines.append(String(format: "verify 1 + %d drafts: %.1f ms, %.2fx one token", k, seconds * 1e3,
                                seconds / max(oneTokenSeconds, 1e-12)))
        }
        return lines.joined(separator: "\n")
    }
}
