import Foundation
import GLMEngine

/// `bench --read-ahead R`: generation while the next exact slide's kept part is read ahead, R rows
/// riding along with each token into a companion cache (`CachedSequence.readAheadRowsPerToken`).
extension Benchmark {
    /// Generation from `depth` cached tokens with `options.readAheadRows` rows fed alongside each token
    /// to `companion` (filled to half the depth first): the end of the phase, its slowest point.
    static func readAhead(_ model: GLMModel, cache: KVCache, companion: KVCache, depth: Int,
                          options: BenchmarkOptions, seed: UInt64, first: Int32) -> Double {
        companion.truncate(to: depth / 2)
        companion.fillWithRandomRows(upTo: depth / 2, seed: seed &+ 7)
        let seconds = generate(model, options.generatedTokens, from: depth, cache: cache, rows: options.readAheadRows,
                               companion: companion, companionDepth: depth / 2, first: first)
        return Double(options.generatedTokens) / seconds
    }

    /// The phase as a whole. With R rows a token, reading starts when the window holds
    /// `depth - depth / (2R)` tokens, so that the half window's kept part is read when it is full.
    /// At four evenly spaced points of it (deepest first: the caches only need cutting back), a
    /// quarter of the tokens alone and then with the rows, the companion cache R times as far into the
    /// kept part as the window is into the phase. Returns the seconds alone over the seconds with rows.
    static func readAheadPhaseShare(_ model: GLMModel, cache: KVCache, companion: KVCache, depth: Int,
                                    options: BenchmarkOptions, first: Int32) -> Double {
        let rows = options.readAheadRows, tokens = max(1, options.generatedTokens / 4)
        var alone = 0.0, alongside = 0.0
        for point in readAheadPhasePoints(depth: depth, rows: rows) {
            alone += generate(model, tokens, from: point.position, cache: cache, rows: 0, companion: companion,
                              companionDepth: point.companionDepth, first: first)
            alongside += generate(model, tokens, from: point.position, cache: cache, rows: rows, companion: companion,
                                  companionDepth: point.companionDepth, first: first)
        }
        return alongside > 0 ? alone / alongside : 0
    }

    /// The four evenly spaced points of the read-ahead phase that ends when a window of `depth` is
    /// full, at `rows` rows a token, deepest first: where the window is, and how far the companion
    /// cache is into the kept part (half the window).
    static func readAheadPhasePoints(depth: Int, rows: Int) -> [(position: Int, companionDepth: Int)] {
        let half = depth / 2, phase = half / max(1, rows), start = depth - phase
        return stride(from: 3, through: 0, by: -1).map { point in
            let into = phase * (2 * point + 1) / 8
            return (start + into, min(half, rows * into))
        }
    }

    /// Seconds to generate `count` tokens from `depth` cached ones (the cache cut back to it), each with
    /// `rows` rows fed to `companion` (cut back to `companionDepth`) in the same pass.
    private static func generate(_ model: GLMModel, _ count: Int, from depth: Int, cache: KVCache, rows: Int,
                                 companion: KVCache, companionDepth: Int, first: Int32) -> Double {
        cache.truncate(to: depth)
        companion.truncate(to: companionDepth)
        var companionRows = [Int32](repeating: 0, count: rows)
        var token = first
        var logits: [Float] = []
        var seconds = 0.0
        for step in 0..<count {
            for offset in 0..<rows { companionRows[offset] = Int32((offset * 31 + step * 7 + 11) % 1000) }
            let start = DispatchTime.now()
            if rows > 0 {
                model.forwardToken(token, cache: cache, alongside: companionRows[...], in: companion, into: &logits)
            } else {
                model.forwardToken(token, cache: cache, into: &logits)
            }
            token = Int32(Sampler.argmax(logits, count: 64_000))
            seconds += elapsed(since: start)
        }
        return seconds
    }
}
