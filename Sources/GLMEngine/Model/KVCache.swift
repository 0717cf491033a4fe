import Foundation

/// How cached keys and values are stored. F16 halves the memory of long contexts (a full 32K cache of
/// ChatGLM3-6B: 0.9 GB instead of 1.8 GB); F32 keeps f32-weight runs exact against the reference;
/// q8_0 (int8 blocks with a scale, `Q8CacheRows`) halves it again, at a small drift (docs/PERFORMANCE.md).
public enum KVPrecision: String, Sendable {
    case f32, f16, q8_0

    /// F32 weights are the exactness reference, so their cache stays F32; quantized models use F16.
    public static func matching(_ weights: StorageType) -> KVPrecision { weights == .f32 ? .f32 : .f16 }

    /// The cache a model runs with: q8_0 when asked for, else the exact cache of its weights.
    public static func matching(_ weights: StorageType, cacheType: KVCacheType) -> KVPrecision {
        cacheType == .q8_0 ? .q8_0 : matching(weights)
    }

    /// Bytes of `count` cached values of a head of `headDim` (a group's slice of a position).
    func bytes(headDim: Int) -> Int {
        switch self {
        case .f32: return 4 * headDim
        case .f16: return 2 * headDim
        case .q8_0:
            // KVCacheType.check refuses such a model before a cache is made
            guard let block = Q8CacheRows.block(headDim: headDim) else {
                preconditionFailure("a q8_0 cache for heads of \(headDim) values, which 16 does not divide")
            }
            return Q8CacheRows.bytes(count: headDim, block: block)
        }
    }
}

/// The cache a user asks for (`--cache-type`, `cache_type` in config.toml).
public enum KVCacheType: String, Sendable, CaseIterable {
    /// The exact cache: F16 (F32 for f32 weights).
    case f16
    /// Int8 blocks of 32 with an f16 scale each: about half the memory of F16, slightly inexact.
    case q8_0

    /// Checks that a model with heads of `headDim` can use this cache.
    public func check(headDim: Int) throws {
        guard self == .q8_0, Q8CacheRows.block(headDim: headDim) == nil else { return }
        throw GLMError(.badValue, "the q8_0 cache needs heads of a multiple of 16 values; this model's have \(headDim)")
    }
}

/// Keys (after RoPE) and values of every cached position, per layer. Memory grows with the
/// conversation, up to `maxPositions`, so a short chat does not hold the whole window (`reserve`).
/// Within a layer each KV group has a plane of its own (positions x headDim): the attention of a
/// group, which one thread does for all its heads, then streams one contiguous region instead of
/// every other half-row (measured at 32K: 4-15% less attention time).
public final class KVCache: @unchecked Sendable {
    public let layerCount: Int
    /// Values per position per layer: kvGroups x headDim.
    public let kvDim: Int
    public let headDim: Int
    public let kvGroups: Int
    public let maxPositions: Int
    public let precision: KVPrecision
    /// Positions filled so far.
    public private(set) var count = 0
    public private(set) var capacity = 0
    private var keys: [UnsafeMutableRawPointer] = []     // per layer: kvGroups planes of (maxPositions, headDim)
    private var values: [UnsafeMutableRawPointer] = []   // per layer: the same

    public init(config: ModelConfig, maxPositions: Int, precision: KVPrecision = .f32) {
        layerCount = config.numLayers
        kvDim = config.kvDim
        headDim = config.headDim
        kvGroups = config.kvGroups
        self.maxPositions = maxPositions
        self.precision = precision
        let block = Q8CacheRows.block(headDim: config.headDim)
        precondition(precision != .q8_0 || block != nil, "a q8_0 cache needs heads of a multiple of 16 (KVCacheType.check)")
        q8Block = block ?? 32
        headBytes = precision.bytes(headDim: config.headDim)
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Bytes reserved for the positions so far (it grows with the conversation; see `reserve`).
    public var bytes: Int { 2 * layerCount * capacity * rowBytes }
    /// Bytes a full window would take.
    public var fullWindowBytes: Int { 2 * layerCount * maxPositions * rowBytes }

    /// Bytes a full window of `positions` would take for a model of `config` in `precision`.
    public static func bytes(config: ModelConfig, positions: Int, precision: KVPrecision) -> Int {
        2 * config.numLayers * positions * config.kvGroups * precision.bytes(headDim: config.headDim)
    }

    private var rowBytes: Int { kvGroups * headBytes }
    /// Bytes of one group's slice of a position.
    let headBytes: Int
    /// Values per q8_0 block (q8_0 caches only).
    let q8Block: Int

    /// Where group `group`'s slice of `position` starts in a layer's storage.
    private func slot(_ base: UnsafeMutableRawPointer, group: Int, position: Int) -> UnsafeMutableRawPointer {
        base + (group * maxPositions + position) * headBytes
    }

    /// Makes room for `positions` in total. The first call sets aside address space for the whole
    /// window at once, each group's plane `maxPositions` rows long, so the cache never moves: growing
    /// by copying cost a chat one pause per doubling, the longest as it crossed 16,384 tokens (16K
    /// rows, about 0.5 GB, on the 32K model). The system backs only the pages rows are written to, so a
    /// short chat still holds little memory; `capacity` (and `bytes`) grow geometrically as before.
    public func reserve(_ positions: Int) {
        precondition(positions <= maxPositions, "KV cache asked for \(positions) positions, max \(maxPositions)")
        guard positions > capacity else { return }
        if keys.isEmpty {
            func planes() -> [UnsafeMutableRawPointer] {
                (0..<layerCount).map { _ in UnsafeMutableRawPointer.allocate(byteCount: maxPositions * rowBytes, alignment: 64) }
            }
            keys = planes()
            values = planes()
        }
        capacity = min(maxPositions, max(positions, capacity * 2, 64))
    }

    /// Writes the key and value of `position` (kvDim floats each, stored in the cache's precision);
    /// `position` must be below `capacity` (see `reserve`), and counts once `advance` covers it.
    public func store(layer: Int, position: Int, key: UnsafePointer<Float>, value: UnsafePointer<Float>) {
        precondition(layer < layerCount && position < capacity, "KV store outside the reserved cache")
        for g in 0..<kvGroups {
            writeHead(key + g * headDim, to: slot(keys[layer], group: g, position: position))
            writeHead(value + g * headDim, to: slot(values[layer], group: g, position: position))
        }
    }

    /// One group's slice of a position, from f32 into the cache's precision.
    private func writeHead(_ source: UnsafePointer<Float>, to slot: UnsafeMutableRawPointer) {
        switch precision {
        case .f32: slot.copyMemory(from: source, byteCount: headBytes)
        case .f16: Kernels.toF16(source, slot.assumingMemoryBound(to: Float16.self), count: headDim)
        case .q8_0: Q8CacheRows.quantize(source, count: headDim, block: q8Block, into: slot)
        }
    }

    /// One group's slice of a position, from the cache's precision into f32.
    private func readHead(_ slot: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        switch precision {
        case .f32: out.update(from: slot.assumingMemoryBound(to: Float.self), count: headDim)
        case .f16:
            let half = slot.assumingMemoryBound(to: Float16.self)
            for i in 0..<headDim { out[i] = Float(half[i]) }
        case .q8_0: Q8CacheRows.dequantize(slot, count: headDim, block: q8Block, into: out)
        }
    }

    /// query . key[position][offset ..< offset + count]
    @inline(__always)
    func dotKey(_ query: UnsafePointer<Float>, layer: Int, position: Int, offset: Int, count: Int) -> Float {
        let base = slot(keys[layer], group: offset / headDim, position: position)
        switch precision {
        case .f32: return Kernels.dot(query, base.assumingMemoryBound(to: Float.self) + offset % headDim, count: count)
        case .f16: return Kernels.dot(query, base.assumingMemoryBound(to: Float16.self) + offset % headDim, count: count)
        case .q8_0:
            precondition(offset % headDim == 0 && count == headDim, "a q8_0 cache is read a whole head at a time")
            return Q8CacheRows.dot(query, base, count: count, block: q8Block)
        }
    }

    /// out += weight * value[position][offset ..< offset + count]
    @inline(__always)
    func addValue(_ weight: Float, layer: Int, position: Int, offset: Int, count: Int, into out: UnsafeMutablePointer<Float>) {
        let base = slot(values[layer], group: offset / headDim, position: position)
        switch precision {
        case .f32: Kernels.axpy(weight, base.assumingMemoryBound(to: Float.self) + offset % headDim, out, count: count)
        case .f16: Kernels.axpy(weight, base.assumingMemoryBound(to: Float16.self) + offset % headDim, out, count: count)
        case .q8_0:
            precondition(offset % headDim == 0 && count == headDim, "a q8_0 cache is read a whole head at a time")
            Q8CacheRows.axpy(weight, base, count: count, block: q8Block, into: out)
        }
    }

    /// Group `group`'s cached keys / values in layer `layer` as rows of `headDim` f16 values (nil
    /// unless the cache is F16): the attention kernels read every position of a group in one pass.
    func f16Keys(layer: Int, group: Int) -> UnsafePointer<UInt16>? {
        precision == .f16 ? UnsafePointer(slot(keys[layer], group: group, position: 0).assumingMemoryBound(to: UInt16.self)) : nil
    }

    func f16Values(layer: Int, group: Int) -> UnsafePointer<UInt16>? {
        precision == .f16 ? UnsafePointer(slot(values[layer], group: group, position: 0).assumingMemoryBound(to: UInt16.self)) : nil
    }

    /// Group `group`'s cached keys / values in layer `layer` as rows of `headBytes` q8_0 blocks (nil
    /// unless the cache is q8_0).
    func q8Keys(layer: Int, group: Int) -> UnsafeRawPointer? {
        precision == .q8_0 ? UnsafeRawPointer(slot(keys[layer], group: group, position: 0)) : nil
    }

    func q8Values(layer: Int, group: Int) -> UnsafeRawPointer? {
        precision == .q8_0 ? UnsafeRawPointer(slot(values[layer], group: group, position: 0)) : nil
    }

    /// One cached key (or value) row as floats (tests compare caches with it).
    func row(key: Bool, layer: Int, position: Int) -> [Float] {
        (0..<kvGroups).flatMap { g -> [Float] in
            [Float](unsafeUninitializedCapacity: headDim) { out, initialized in
                guard let start = out.baseAddress else { return }
                readHead(slot(key ? keys[layer] : values[layer], group: g, position: position), into: start)
                initialized = headDim
            }
        }
    }

    /// Marks `n` more positions as filled (after the forward pass wrote them).
    public func advance(by n: Int) {
        precondition(count + n <= capacity)
        count += n
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
        var head = [Float](repeating: 0, count: headDim)
        for layer in 0..<layerCount {
            for g in 0..<kvGroups {
                for storage in [keys[layer], values[layer]] {
                    slot(storage, group: g, position: range.lowerBound)
                        .copyMemory(from: slot(storage, group: g, position: range.upperBound), byteCount: moved * headBytes)
                }
                for position in range.lowerBound..<(range.lowerBound + moved) {
                    let base = slot(keys[layer], group: g, position: position)
                    head.withUnsafeMutableBufferPointer { h in
                        guard let h = h.baseAddress else { return }
                        readHead(base, into: h)
                        rope.rotate(h, cos: cos, sin: sin)
                        writeHead(h, to: base)
                    }
                }
            }
        }
        count -= d
    }

    /// Replaces what this cache holds with the first `n` positions of `source`, a cache of the same
    /// model and precision (another answer's cache whose tokens start the same way).
    public func copyPrefix(_ n: Int, from source: KVCache) {
        precondition(source.layerCount == layerCount && source.kvGroups == kvGroups && source.headBytes == headBytes
                     && source.precision == precision, "KV caches of different shapes")
        precondition(n >= 0 && n <= source.count && n <= maxPositions, "KV prefix of \(n) positions out of range")
        count = 0
        guard n > 0 else { return }
        reserve(n)
        for layer in 0..<layerCount {
            for g in 0..<kvGroups {
                slot(keys[layer], group: g, position: 0)
                    .copyMemory(from: source.slot(source.keys[layer], group: g, position: 0), byteCount: n * headBytes)
                slot(values[layer], group: g, position: 0)
                    .copyMemory(from: source.slot(source.values[layer], group: g, position: 0), byteCount: n * headBytes)
            }
        }
        count = n
    }

    /// Forgets every position from `n` on (the ledger cut back to a common prefix).
    public func truncate(to n: Int) {
        count = min(count, max(0, n))
    }
}
