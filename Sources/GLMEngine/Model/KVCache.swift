import Foundation

/// How cached keys and values are stored. F16 halves the memory of long contexts (a full 32K cache of
/// ChatGLM3-6B: 0.9 GB instead of 1.8 GB); F32 keeps f32-weight runs exact against the reference.
public enum KVPrecision: String, Sendable {
    case f32, f16

    var bytesPerValue: Int { self == .f32 ? 4 : 2 }

    /// F32 weights are the exactness reference, so their cache stays F32; quantized models use F16.
    public static func matching(_ weights: StorageType) -> KVPrecision { weights == .f32 ? .f32 : .f16 }
}

/// Keys (after RoPE) and values of every cached position, per layer. Storage grows with the
/// conversation, up to `maxPositions`, so a short chat does not hold the whole window.
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    /// Values per position per layer: kvGroups x headDim.
    public let kvDim: Int
    public let maxPositions: Int
    public let precision: KVPrecision
    /// Positions filled so far.
    public private(set) var count = 0
    public private(set) var capacity = 0
    private var keys: [UnsafeMutableRawPointer] = []     // per layer: (capacity, kvDim)
    private var values: [UnsafeMutableRawPointer] = []   // per layer: (capacity, kvDim)

    public init(config: ModelConfig, maxPositions: Int, precision: KVPrecision = .f32) {
        layerCount = config.numLayers
        kvDim = config.kvDim
        self.maxPositions = maxPositions
        self.precision = precision
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Bytes allocated now (it grows with the conversation).
    public var bytes: Int { 2 * layerCount * capacity * kvDim * precision.bytesPerValue }
    /// Bytes a full window would take.
    public var fullWindowBytes: Int { 2 * layerCount * maxPositions * kvDim * precision.bytesPerValue }

    private var rowBytes: Int { kvDim * precision.bytesPerValue }

    /// Makes room for `positions` in total, growing geometrically to avoid a copy per token.
    public func reserve(_ positions: Int) {
        precondition(positions <= maxPositions, "KV cache asked for \(positions) positions, max \(maxPositions)")
        guard positions > capacity else { return }
        let newCapacity = min(maxPositions, max(positions, capacity * 2, 64))
        func grow(_ old: [UnsafeMutableRawPointer]) -> [UnsafeMutableRawPointer] {
            (0..<layerCount).map { layer in
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * rowBytes, alignment: 64)
                if layer < old.count {
                    fresh.copyMemory(from: old[layer], byteCount: count * rowBytes)
                    old[layer].deallocate()
                }
                return fresh
            }
        }
        keys = grow(keys)
        values = grow(values)
        capacity = newCapacity
    }

    /// Writes the key and value of `position` (f32 in, stored in the cache's precision).
    func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        let offset = position * rowBytes
        switch precision {
        case .f32:
            (keys[layer] + offset).copyMemory(from: key, byteCount: rowBytes)
            (values[layer] + offset).copyMemory(from: value, byteCount: rowBytes)
        case .f16:
            Kernels.toF16(key, (keys[layer] + offset).assumingMemoryBound(to: Float16.self), count: kvDim)
            Kernels.toF16(value, (values[layer] + offset).assumingMemoryBound(to: Float16.self), count: kvDim)
        }
    }

    /// query . key[position][offset ..< offset + count]
    @inline(__always)
    func dotKey(_ query: UnsafePointer<Float>, layer: Int, position: Int, offset: Int, count: Int) -> Float {
        let base = keys[layer] + position * rowBytes
        switch precision {
        case .f32: return Kernels.dot(query, base.assumingMemoryBound(to: Float.self) + offset, count: count)
        case .f16: return Kernels.dot(query, base.assumingMemoryBound(to: Float16.self) + offset, count: count)
        }
    }

    /// out += weight * value[position][offset ..< offset + count]
    @inline(__always)
    func addValue(_ weight: Float, layer: Int, position: Int, offset: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let base = values[layer] + position * rowBytes
        switch precision {
        case .f32: Kernels.axpy(weight, base.assumingMemoryBound(to: Float.self) + offset, out, count: count)
        case .f16: Kernels.axpy(weight, base.assumingMemoryBound(to: Float16.self) + offset, out, count: count)
        }
    }

    /// Layer `layer`'s cached keys / values as rows of `kvDim` f16 values (nil unless the cache is F16):
    /// the attention kernels read every position of a group in one pass.
    func f16Keys(layer: Int) -> UnsafePointer<UInt16>? {
        precision == .f16 ? UnsafePointer(keys[layer].assumingMemoryBound(to: UInt16.self)) : nil
    }

    func f16Values(layer: Int) -> UnsafePointer<UInt16>? {
        precision == .f16 ? UnsafePointer(values[layer].assumingMemoryBound(to: UInt16.self)) : nil
    }

    /// One cached key (or value) row as floats (tests compare caches with it).
    func row(key: Bool, layer: Int, position: Int) -> [Float] {
        let base = (key ? keys[layer] : values[layer]) + position * rowBytes
        switch precision {
        case .f32: return Array(UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: kvDim))
        case .f16: return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float16.self), count: kvDim).map(Float.init)
        }
    }

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
        var row = [Float](repeating: 0, count: kvDim)
        for layer in 0..<layerCount {
            for position in count..<positions {
                for i in 0..<kvDim { row[i] = Float(generator.next() >> 40) / Float(1 << 24) - 0.5 }
                row.withUnsafeBufferPointer { r in
                    if let p = r.baseAddress { store(layer: layer, position: position, key: p, value: p) }
                }
            }
        }
        count = max(count, positions)
    }

    /// Removes the positions in `range` and moves the later ones down by `range.count`, turning their
    /// keys back by as many positions. RoPE is a rotation by position x frequency, so a moved key is
    /// (up to rounding) what its layer input gives at the new position; layers after the first still
    /// carry what the removed tokens contributed, which is why this is the fast, inexact slide.
    public func removePositions(_ range: Range<Int>, rope: RotaryEmbedding, config: ModelConfig) {
        let d = range.count
        guard d > 0, range.lowerBound >= 0, range.upperBound <= count else { return }
        let moved = count - range.upperBound
        let half = config.ropeDims / 2
        var cos = [Float](repeating: 0, count: half), sin = [Float](repeating: 0, count: half)
        cos.withUnsafeMutableBufferPointer { c in
            sin.withUnsafeMutableBufferPointer { s in
                guard let c = c.baseAddress, let s = s.baseAddress else { return }
                rope.angles(position: d, cos: c, sin: s)
                for i in 0..<half { s[i] = -s[i] }
            }
        }
        var row = [Float](repeating: 0, count: kvDim)
        for layer in 0..<layerCount {
            let to = range.lowerBound * rowBytes, from = range.upperBound * rowBytes
            (keys[layer] + to).copyMemory(from: keys[layer] + from, byteCount: moved * rowBytes)
            (values[layer] + to).copyMemory(from: values[layer] + from, byteCount: moved * rowBytes)
            for position in range.lowerBound..<(range.lowerBound + moved) {
                let base = keys[layer] + position * rowBytes
                row.withUnsafeMutableBufferPointer { r in
                    guard let r = r.baseAddress else { return }
                    switch precision {
                    case .f32: r.update(from: base.assumingMemoryBound(to: Float.self), count: kvDim)
                    case .f16:
                        let h = base.assumingMemoryBound(to: Float16.self)
                        for i in 0..<kvDim { r[i] = Float(h[i]) }
                    }
                    for g in 0..<config.kvGroups {
                        rope.rotate(r + g * config.headDim, cos: cos, sin: sin)
                    }
                    switch precision {
                    case .f32: base.assumingMemoryBound(to: Float.self).update(from: r, count: kvDim)
                    case .f16: Kernels.toF16(r, base.assumingMemoryBound(to: Float16.self), count: kvDim)
                    }
                }
            }
        }
        count -= d
    }

    /// Forgets every position from `n` on (the ledger cut back to a common prefix).
    public func truncate(to n: Int) {
        count = min(count, max(0, n))
    }
}
