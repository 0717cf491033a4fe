import Foundation
import GLMEngine

extension ParallelBenchmark {
    /// `bench --parallel N --read-ahead R`: the slide's read-ahead phase in the batch. Every stream's
    /// window fills toward a slide while R rows of its kept part ride along with each step into a
    /// companion cache (the read-ahead parts first in the pass, as `BatchDecoder` puts them), against
    /// the same steps without them, at the four points of the phase where `Benchmark.readAheadPhaseShare`
    /// times one stream (`Benchmark.readAheadPhasePoints`). All streams are in the phase at once: the
    /// worst case, as answers of a server reach their slides at different times.
    final class ReadAheadPhase {
        let model: GLMModel
        let rows: Int
        /// Cached positions of each stream when the window is full (generation's starting depth).
        let depth: Int
        let steps: Int
        let companions: [KVCache]

        /// Nil without rows or streams. Each companion holds up to half the depth (the kept part) and
        /// room for the rows fed at one point.
        init?(model: GLMModel, rows: Int, depth: Int, steps: Int, streams: Int) {
            guard rows > 0, streams > 0 else { return nil }
            self.model = model
            self.rows = rows
            self.depth = depth
            self.steps = max(1, steps / 4)
            let half = depth / 2, room = half + 1 + self.steps * rows
            companions = (0..<streams).map { stream in
                let cache = KVCache(config: model.config, maxPositions: room, precision: model.cachePrecision)
                cache.fillWithRandomRows(upTo: half, seed: UInt64(100 + stream))
                return cache
            }
        }

        /// The batch's seconds alone over its seconds with the rows, over the phase; `caches` (one per
        /// stream, at most as many as the companions) are cut back to each point's depth.
        func share(caches: [KVCache], first: [Int32]) -> Double {
            var alone = 0.0, alongside = 0.0
            for point in Benchmark.readAheadPhasePoints(depth: depth, rows: rows) {
                alone += generate(from: point.position, caches: caches, rows: 0, companionDepth: point.companionDepth,
                                  first: first)
                alongside += generate(from: point.position, caches: caches, rows: rows, companionDepth: point.companionDepth,
                                      first: first)
            }
            return alongside > 0 ? alone / alongside : 0
        }

        /// Seconds for `steps` batched steps from `position`, each stream's step with `rows` rows fed
        /// to its companion (cut back to `companionDepth`) in the same pass.
        private func generate(from position: Int, caches: [KVCache], rows: Int, companionDepth: Int,
                              first: [Int32]) -> Double {
            let companions = self.companions.prefix(caches.count)
            for cache in caches { cache.truncate(to: position) }
            for companion in companions { companion.truncate(to: companionDepth) }
            var tokens = first
            var logits: [Float] = []
            var seconds = 0.0
            for step in 0..<steps {
                var parts: [(tokens: ArraySlice<Int32>, cache: KVCache)] = []
                if rows > 0 {
                    parts = companions.enumerated().map { stream, companion in
                        (ArraySlice((0..<rows).map { Int32((($0 + stream) * 31 + step * 7 + 11) % 1000) }), companion)
                    }
                }
                parts += zip(tokens, caches).map { (ArraySlice([$0]), $1) }
                let start = DispatchTime.now()
                model.forward(parts, logitsOfLast: caches.count, into: &logits)
                seconds += Benchmark.elapsed(since: start)
                tokens = ParallelBenchmark.nextTokens(logits, count: caches.count, vocabRows: model.config.vocabRows)
            }
            return seconds
        }
    }
}
