import GLMEngine

extension KVCache {
    /// Fills positions up to `positions` with random keys and values, as if a long conversation had
    /// been read: lets the benchmark time generation at 8K or 32K context without reading 32K tokens.
    public func fillWithRandomRows(upTo positions: Int, seed: UInt64) {
        guard positions > count else { return }
        reserve(positions)
        var generator = SeededGenerator(seed: seed)
        var row = [Float](repeating: 0, count: kvDim)
        for layer in 0..<layerCount {
            for position in count..<positions {
                for i in 0..<kvDim { row[i] = Float(generator.next() >> 40) / Float(1 << 24) - 0.5 }
                row.withUnsafeBufferPointer { r in
                    if let p = r.baseAddress { store(layer: layer, position: position, key: p, value: p) }
                }
            }
        }
        advance(by: positions - count)
    }
}
