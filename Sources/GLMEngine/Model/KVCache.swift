import Foundation

/// Keys (after RoPE) and values of every cached position, per layer. Storage grows with the
/// conversation, up to `maxPositions`, so a short chat does not hold the whole window.
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    /// Floats per position per layer: kvGroups x headDim.
    public let kvDim: Int
    public let maxPositions: Int
    /// Positions filled so far.
    public private(set) var count = 0
    public private(set) var capacity = 0
    private var keys: [UnsafeMutablePointer<Float>] = []     // per layer: (capacity, kvDim)
    private var values: [UnsafeMutablePointer<Float>] = []   // per layer: (capacity, kvDim)

    public init(config: ModelConfig, maxPositions: Int) {
        layerCount = config.numLayers
        kvDim = config.kvDim
        self.maxPositions = maxPositions
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    public var bytes: Int { 2 * layerCount * capacity * kvDim * MemoryLayout<Float>.size }

    /// Makes room for `positions` in total, growing geometrically to avoid a copy per token.
    public func reserve(_ positions: Int) {
        precondition(positions <= maxPositions, "KV cache asked for \(positions) positions, max \(maxPositions)")
        guard positions > capacity else { return }
        let newCapacity = min(maxPositions, max(positions, capacity * 2, 64))
        func grow(_ old: [UnsafeMutablePointer<Float>]) -> [UnsafeMutablePointer<Float>] {
            (0..<layerCount).map { layer in
                let fresh = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDim)
                if layer < old.count {
                    fresh.update(from: old[layer], count: count * kvDim)
                    old[layer].deallocate()
                }
                return fresh
            }
        }
        keys = grow(keys)
        values = grow(values)
        capacity = newCapacity
    }

    public func keys(layer: Int) -> UnsafeMutablePointer<Float> { keys[layer] }
    public func values(layer: Int) -> UnsafeMutablePointer<Float> { values[layer] }

    /// Marks `n` more positions as filled (after the forward pass wrote them).
    func advance(by n: Int) {
        precondition(count + n <= capacity)
        count += n
    }

    /// Fills positions up to `positions` with random keys and values, as if a long conversation had
    /// been read: lets the benchmark time generation at 8K or 32K context without reading 32K tokens.
    public func fillForBenchmark(positions: Int, seed: UInt64) {
        reserve(positions)
        var generator = SeededGenerator(seed: seed)
        for layer in 0..<layerCount {
            for i in count * kvDim..<positions * kvDim {
                keys[layer][i] = Float(generator.next() >> 40) / Float(1 << 24) - 0.5
                values[layer][i] = Float(generator.next() >> 40) / Float(1 << 24) - 0.5
            }
        }
        count = max(count, positions)
    }

    /// Forgets every position from `n` on (the ledger cut back to a common prefix).
    public func truncate(to n: Int) {
        count = min(count, max(0, n))
    }
}
